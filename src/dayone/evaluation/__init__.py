"""Cold-start evaluation: protocols over a team's own data, bench-compatible metrics, reports.

`dayone evaluate` is the command; these are the pieces it is built from.
"""

from dayone.evaluation.config import EvalConfig
from dayone.evaluation.datasets import EvalData, load_files, load_movielens_100k, load_unisrec
from dayone.evaluation.metrics import (
    AUC,
    GAUC,
    MRR,
    NDCG,
    CatalogueCoverage,
    HitRate,
    IntraListDiversity,
    NewItemShare,
    Novelty,
    PooledAUC,
    RatedAUC,
    Recall,
    Truth,
)

__all__ = [
    "AUC",
    "GAUC",
    "MRR",
    "NDCG",
    "CatalogueCoverage",
    "EvalConfig",
    "EvalData",
    "HitRate",
    "IntraListDiversity",
    "NewItemShare",
    "Novelty",
    "PooledAUC",
    "RatedAUC",
    "Recall",
    "Truth",
    "load_files",
    "load_movielens_100k",
    "load_unisrec",
]
