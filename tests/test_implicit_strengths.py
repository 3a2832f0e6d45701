"""Play counts and other implicit strengths: read on one scale that one outlier cannot move,
and a zero strength is no like."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dayone.data import Catalog
from dayone.data.interactions import liked_mask, preference_arrays, weight_scale
from dayone.encoders import HashingEncoder
from dayone.profiles.builder import RatingScale, sign_history
from dayone.profiles.context import HistoryEntry
from dayone.recommender import Recommender, RecommenderConfig

NAN = np.full(4, np.nan)


def test_one_outlier_does_not_shrink_everyone_else() -> None:
    plays = np.array([1.0, 10.0, 100.0, 100.0] * 25 + [1e12])
    scale = weight_scale(plays)
    assert scale is not None and scale <= 100.0
    typical = np.array([1.0, 10.0, 100.0, 1e12])
    prefs = preference_arrays(NAN, typical, NAN, weight_scale=scale)
    assert prefs[2] == prefs[3] == 1.0, "100 plays is already full strength here"
    assert 0.3 < prefs[0] < prefs[1] < 1.0
    # without a log's scale (before any build) the batch's largest is full strength, as before
    assert preference_arrays(NAN, typical, NAN)[2] < 0.5


def test_a_zero_strength_is_neutral_and_no_like() -> None:
    prefs = preference_arrays(np.full(2, np.nan), np.array([0.0, 5.0]), np.full(2, np.nan), weight_scale=5.0)
    assert prefs.tolist() == [0.0, 1.0]
    df = pd.DataFrame({"rating": [np.nan, np.nan], "weight": [0.0, 5.0], "liked": [np.nan, np.nan]})
    assert liked_mask(df).tolist() == [False, True]
    signed = sign_history([HistoryEntry(item="a", weight=0.0), HistoryEntry(item="b", weight=3.0)],
                          RatingScale())
    assert signed.prefs == [0.0, 1.0]


def test_an_event_that_arrives_alone_is_read_on_the_builds_scale() -> None:
    items = [{"id": f"i{k}", "title": f"track {k}"} for k in range(4)]
    log = pd.DataFrame({"user": ["u1", "u1", "u2", "u2"] * 5, "item": ["i0", "i1", "i0", "i2"] * 5,
                        "weight": [100.0, 2.0, 50.0, 1.0] * 5})
    rec = Recommender.build(Catalog.from_records(items), log, config=RecommenderConfig(domain="music"),
                            encoder=HashingEncoder())
    assert rec._weight_scale is not None and rec._weight_scale >= 50.0
    one = rec._population_prefs([HistoryEntry(item="i3", weight=2.0)])
    assert one[0] < 0.7, "2 plays is a light play on this log, not full strength alone"
