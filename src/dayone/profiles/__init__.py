"""User profiles at request time: the context model and how it becomes vectors."""

from dayone.profiles.builder import RatingScale, SignedHistory, history_vector, sign_history
from dayone.profiles.context import HistoryEntry, UserContext

__all__ = ["HistoryEntry", "RatingScale", "SignedHistory", "UserContext", "history_vector", "sign_history"]
