"""The recommender: zero-shot and population-aware scoring behind one API."""

from dayone.profiles import HistoryEntry, UserContext
from dayone.recommender.config import BlendWeights, RecommenderConfig
from dayone.recommender.recommender import STRATEGY_LABELS, Recommender, UnknownItemError
from dayone.recommender.results import LikePrediction, Recommendation, UserMatch

__all__ = [
    "STRATEGY_LABELS",
    "BlendWeights",
    "HistoryEntry",
    "LikePrediction",
    "Recommendation",
    "Recommender",
    "RecommenderConfig",
    "UnknownItemError",
    "UserContext",
    "UserMatch",
]
