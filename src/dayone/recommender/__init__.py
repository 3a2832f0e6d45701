"""The recommender: zero-shot and population-aware scoring behind one API."""

from dayone.profiles import HistoryEntry, UserContext
from dayone.recommender.config import BlendWeights, RecommenderConfig
from dayone.recommender.errors import UnknownItemError
from dayone.recommender.recommender import Recommender
from dayone.recommender.results import LikePrediction, Recommendation, UserMatch
from dayone.recommender.scored import STRATEGY_LABELS

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
