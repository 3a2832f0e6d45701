"""Profile attributes as categories: the groups that population priors and neighbours compare."""

from __future__ import annotations

import math
from typing import Any

AGE_BANDS = (0, 18, 25, 35, 45, 50, 56, 200)
AGE_KEYS = frozenset({"age", "age_years"})
POSTCODE_KEYS = frozenset({"zip", "zipcode", "postcode", "postal_code"})
# a whole number below this is a code (a tier, a level, a household size) and forms a group;
# larger ones (incomes, years) would make one group per value, each a catalogue-sized array
SMALL_CODE = 100


def _as_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def attribute_value(key: str, value: Any) -> str | None:
    """A categorical key for an attribute value: ages become bands, postcodes their first
    character, small whole numbers their digits, text is lower-cased; None = no group.

    A number and its text read alike (19 and "19", 2 and "2.0"): a profile loaded from a CSV
    holds strings and one posted as JSON holds numbers, and the same visitor must land in the
    same group either way (a reviewer's age 19 matched nobody while "19" matched the log)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value).lower()
    k = key.lower()
    if k in POSTCODE_KEYS:
        text = str(value).strip().lower()
        return text[:1] or None  # first character: a coarse region
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        number: float | None = float(value)
    else:
        number = _as_number(str(value).strip())
    if number is not None:
        if k in AGE_KEYS:
            for lo, hi in zip(AGE_BANDS, AGE_BANDS[1:], strict=False):
                if lo <= number < hi:
                    return f"{lo}-{hi - 1}"
            return None
        if number.is_integer() and abs(number) < SMALL_CODE:
            return str(int(number))
        return None
    text = str(value).strip().lower()
    return text or None
