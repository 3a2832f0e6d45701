"""Task descriptions: the seed's core idea of turning users and items into sentences.

A pretrained sentence encoder understands "Alien (1979). Genres: Horror, Sci-Fi." far better
than a row of columns, so every item and every new user is rendered to natural language
before encoding. The wording lives in JSON template files (one per domain and language) so
teams can add their own domain without touching code.

Template file format (see ``templates/*.json``):
- ``item``: ordered segments such as ``"Genres: {genres}."``; a segment is emitted only when
  every field it names is present and non-empty, and skipped when its text is already
  contained in what was written (titles often repeat inside a ``text`` field).
- ``other_fields``: append ``key: value`` for fields no segment used (never links:
  ``NOT_DESCRIBED``). On for the product, news, music and generic templates, whose
  catalogues carry columns no template can foresee (features, material, subcategory); off
  for movies, whose segments cover the usual fields and whose measured figures were made so.
- ``user``: ``intro``, per-attribute phrases, ``text``, ``liked``/``disliked`` phrases.
- ``values``: per-field value rewrites (``"M" -> "man"``, genre names, translations).
"""

from __future__ import annotations

import json
import re
import string
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dayone.data.errors import DataError

DOMAINS = ("generic", "movie", "product", "music", "news")
LANGUAGES = ("en", "zh")


# fields a template's `other_fields` leaves out: where the item lives, not what it is (an
# encoder reads "https://…" as noise, and a catalogue export often carries several)
NOT_DESCRIBED = frozenset({"url", "link", "href", "image", "image_url", "img", "thumbnail", "imdb_url", "page"})
_STOPS = (".", "!", "?", "。", "！", "？")
_LINK = re.compile(r"^(https?://|www\.)\S*$", re.IGNORECASE)


class UserTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    intro: str
    attributes: dict[str, str] = Field(default_factory=dict)
    other_attributes: str = "{key}: {value}"
    text: str = "{text}"
    liked: str = "{items}"
    disliked: str = "{items}"
    joiner: str = ", "
    end: str = "."


class Template(BaseModel):
    """One domain's wording in one language; validated so a typo in a file fails loudly."""

    model_config = ConfigDict(extra="forbid")
    domain: str
    language: str
    item: list[str]
    # the past-tense verb an explanation uses for a positive pick ("people who bought X also
    # bought this" in a shop; 买过 in a Chinese one), in the template's language as the
    # explanations are (`recommender/phrases.py`)
    liked_verb: str = "liked"
    # the verb for one of the visitor's own picks that says only that they took it (a click, a
    # purchase, a play; no like or rating): "similar to X, which you picked", not "liked"
    picked_verb: str = "picked"
    other_fields: bool = False
    user: UserTemplate
    values: dict[str, dict[str, str]] = Field(default_factory=dict)


def load_template(path: str | Path) -> Template:
    """Read a user-supplied template file, with errors that name it."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read template: {exc}", file=str(p)) from None
    try:
        return Template.model_validate(data)
    except Exception as exc:
        raise DataError(f"invalid template: {exc}", file=str(p)) from None


@lru_cache(maxsize=32)
def builtin_template(domain: str, language: str) -> Template:
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; choose one of {DOMAINS} or pass a template file")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {LANGUAGES}")
    text = resources.files("dayone.descriptions").joinpath(f"templates/{domain}.{language}.json").read_text("utf-8")
    return Template.model_validate_json(text)


def _fields_of(segment: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(segment) if name]


class Describer:
    """Renders item fields and user context into one description string each."""

    def __init__(
        self,
        domain: str = "generic",
        language: str = "en",
        template: Template | str | Path | None = None,
        max_chars: int = 1000,
        max_history: int = 10,
    ) -> None:
        if isinstance(template, Template):
            self.template = template
        elif template is not None:
            self.template = load_template(template)
        else:
            self.template = builtin_template(domain, language)
        self.max_chars = max_chars
        self.max_history = max_history
        self._list_joiner = "、" if self.template.language == "zh" else ", "

    def _value(self, field: str, value: Any) -> str:
        rewrite = self.template.values.get(field, {})
        if isinstance(value, list | tuple):
            parts = [rewrite.get(str(v), str(v)) for v in value if v not in (None, "")]
            return self._list_joiner.join(p for p in parts if p)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value is None:
            return ""
        return rewrite.get(str(value), str(value)).strip()

    def _other_field(self, key: str, v: str) -> str:
        """"key: value." in the template's language, without doubling the value's own stop
        ("…格局。." read as noise) and, in Chinese, with "|"-separated values listed with 、."""
        if self.template.language == "zh":
            if "|" in v:
                v = self._list_joiner.join(p.strip() for p in v.split("|") if p.strip())
            return f"{key}：{v}" + ("" if v.endswith(_STOPS) else "。")
        return f"{key}: {v}" + ("" if v.endswith(_STOPS) else ".")

    def item(self, fields: dict[str, Any]) -> str:
        """Describe one item from its raw fields."""
        out: list[str] = []
        used: set[str] = set()
        for segment in self.template.item:
            names = _fields_of(segment)
            values = {n: self._value(n, fields.get(n)) for n in names}
            if not names or any(not v for v in values.values()):
                continue
            rendered = segment.format(**values)
            used.update(names)
            core = rendered.rstrip(".。")
            if any(core in prev for prev in out):
                continue
            # a longer segment (raw `text`) that repeats an earlier one (the title) replaces it
            out = [prev for prev in out if prev.rstrip(".。") not in rendered]
            out.append(rendered)
        if self.template.other_fields:
            for key, value in fields.items():
                if key in used or key.startswith("_") or key == "id" or key.lower() in NOT_DESCRIBED:
                    continue
                v = self._value(key, value)
                if v and not _LINK.match(v):
                    out.append(self._other_field(key, v))
        sep = "" if self.template.language == "zh" else " "
        return sep.join(out)[: self.max_chars]

    def query(self, attributes: dict[str, Any] | None = None, text: str | None = None) -> str:
        """The text a user-side query encodes: the visitor's own words when that is all we have.

        The template's framing ("A person who says they like: ...") carries no information when
        there are no attributes to phrase, yet it adds ~8 tokens to a ~14-token sentence, and on
        a CPU the encoder's time grows with every token. Retrieval is not measurably worse
        without it (`scripts/text_query_eval.py`: tag queries on the demo catalogue). With
        attributes, the template joins them and the text into one sentence.
        """
        if text and text.strip() and not any(self._value(k, v) for k, v in (attributes or {}).items()):
            return text.strip()[: self.max_chars]
        return self.user(attributes, text)

    def user(
        self,
        attributes: dict[str, Any] | None = None,
        text: str | None = None,
        liked_titles: list[str] | None = None,
        disliked_titles: list[str] | None = None,
    ) -> str:
        """Describe a (possibly brand-new) user from whatever we know about them."""
        t = self.template.user
        parts: list[str] = []
        for key, value in (attributes or {}).items():
            v = self._value(key, value)
            if not v:
                continue
            phrase = t.attributes.get(key, t.other_attributes)
            parts.append(phrase.format(key=key, value=v, **{key: v}))
        if text and text.strip():
            parts.append(t.text.format(text=text.strip()))
        if liked_titles:
            parts.append(t.liked.format(items=self._list_joiner.join(liked_titles[-self.max_history :])))
        if disliked_titles:
            parts.append(t.disliked.format(items=self._list_joiner.join(disliked_titles[-self.max_history :])))
        if not parts:
            return t.intro + t.end
        lead = t.intro + ("" if self.template.language == "zh" else " ")
        return (lead + t.joiner.join(parts) + t.end)[: self.max_chars]
