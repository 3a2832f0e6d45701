"""Profile attributes as categories: the groups that population priors and neighbours compare."""

from __future__ import annotations

from typing import Any

AGE_BANDS = (0, 18, 25, 35, 45, 50, 56, 200)


def attribute_value(key: str, value: Any) -> str | None:
    """A categorical key for an attribute value: numbers become bands, text is lower-cased."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        if key.lower() in ("age", "age_years"):
            for lo, hi in zip(AGE_BANDS, AGE_BANDS[1:], strict=False):
                if lo <= value < hi:
                    return f"{lo}-{hi - 1}"
        return None  # other numerics (zip codes as numbers, incomes) are not groups
    text = str(value).strip().lower()
    if key.lower() in ("zip", "zipcode", "postcode", "postal_code") and text:
        return text[:1]  # first digit: a coarse region
    return text or None
