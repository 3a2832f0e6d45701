"""What a visitor's sentence asks for, and what it asks to avoid.

"slow-burn sci-fi, nothing gory" holds two requests. A sentence encoder reads it as one bag of
meaning, so the word "gory" pulls gory items *closer*: embeddings do not negate. Splitting the
sentence into the wanted part ("slow-burn sci-fi") and the avoided parts ("gory") lets the
recommender match the first and push away items that match the second
(`Recommender._score`'s `avoid` strategy).

The rules are deliberately plain, so their mistakes are predictable:
- clauses are split at commas, semicolons and sentence ends (and their Chinese forms);
- a clause that *starts* with a negation cue ("no", "nothing", "not", "without", "avoid",
  "don't want", "hate", ...; 不要, 不想看, 别, ...) is avoided;
- inside a clause, "without", "but not", "but no", "except" and "excluding" split it: the left
  side is wanted, the right side avoided ("sci-fi without gore");
- a clause may open with a joining word ("but", "and"; 但, 但是, 不过, 可是, ...) and, in
  Chinese, with the speaker (我, 我们, 请), which are looked past: "电影，但不要明星八卦" and
  "我不想看体育" are negated;
- Chinese has no spaces between words, so inside a clause a cue splits it only after a
  joining word or a space ("想看科技新闻但不要娱乐八卦", "健康 不要减肥"), never mid-phrase;
- the short cues "no", "not", "nothing" and "none", and every Chinese cue, count only when
  another clause says what *is* wanted, so a lone title such as "No Country for Old Men" or
  《别告诉她》 stays a plain query; a Chinese cue after the speaker ("我不想看体育") counts alone,
  and so does a whole sentence of a short cue and one or two lower-case words ("no metal",
  "not jazz please"), unless those words are a title in the catalogue;
Anything the rules do not recognise stays in the wanted text, which is what the encoder saw
before, so a missed negation costs no more than it always did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# cues that negate wherever the clause stands
_STRONG_EN = (
    "without", "avoid", "avoiding", "except", "excluding", "exclude", "skip", "never",
    "anything but", "not into", "not interested in", "don't want", "do not want",
    "dont want", "don't like", "do not like", "dont like", "don't show", "do not show",
    "i don't want", "i do not want", "i don't like", "i do not like", "i hate", "hate",
    "none of",
)
# cues that also start ordinary titles ("No Country for Old Men"): trusted only next to a
# wanted clause
_WEAK_EN = ("no", "not", "nothing", "none")
_CUES_ZH = ("不想要", "不想看", "不想听", "不想读", "不喜欢", "不要", "不想", "不看", "别", "避开", "拒绝",
            "除了", "排除")
# what follows a cue in words that are no refusal: 别墅 (villa), 别克 (Buick), 别人 (others),
# 不看好 (not bullish), 不要脸 (shameless)
_NOT_AFTER_ZH = {"别": "墅克人的致名处称具离针扭样家", "不看": "好", "不要": "脸"}
_CUE_ZH = "|".join(re.escape(c) + (f"(?![{_NOT_AFTER_ZH[c]}])" if c in _NOT_AFTER_ZH else "")
                   for c in sorted(_CUES_ZH, key=len, reverse=True))
# words a clause may open with before its cue: joining words, and in Chinese the speaker
_JOINERS_EN = re.compile(r"^(?:but|and|though|although|just|also|yet|so)\s+", re.IGNORECASE)
_JOINERS_ZH = ("但是", "但", "不过", "可是", "只是", "而且", "并且", "而", "也")
_SPEAKERS_ZH = ("我们", "我", "请", "希望")
# verbs between a Chinese cue and what it refuses ("别推楼市", "不要给我看八卦"), unless they
# begin the refused word itself (推理片, 推特, 有声书, 读书)
_FILLER_ZH = re.compile(r"^(?:推荐|推送|给我|出现|关于|任何|再|推(?![理特出广动进销])|看(?![点法])|听(?!书)"
                        r"|读(?![书者])|有(?![声关]))")
# inside a clause: left side wanted, right side avoided
_INLINE_EN = re.compile(
    r"\s+(?:without|but not|but no|and not|and no|and nothing|except|excluding|minus)\s+", re.IGNORECASE
)
# after a joining word any cue splits; after a bare space not 别, which starts too many
# names ("电影 别告诉她" asks for the film)
_INLINE_ZH = re.compile(
    "(?:" + "|".join(_JOINERS_ZH) + ")(?:" + "|".join(_SPEAKERS_ZH) + ")?(?:" + _CUE_ZH + ")"
    + r"|\s+(?:" + "|".join(_SPEAKERS_ZH) + ")?(?!别)(?:" + _CUE_ZH + ")"
)
_LEADING_ZH = re.compile("(?:" + _CUE_ZH + ")")
_CLAUSES = re.compile(r"[,;.!?，；。！？、]+")
_FILLER = re.compile(r"^(?:any|too|that's|that is|with|of|the|a|an|anything|something)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class QueryIntent:
    """The wanted text (may be empty) and the phrases to steer away from."""

    wanted: str
    avoid: tuple[str, ...] = ()


def parse_intent(text: str) -> QueryIntent:
    """Split a free-text query into what is wanted and what is to be avoided."""
    clauses = [c.strip() for c in _CLAUSES.split(text) if c.strip()]
    if not clauses:
        return QueryIntent(text.strip())
    wanted: list[str] = []
    avoid: list[str] = []
    weak: list[str] = []  # clauses negated only by a short cue, decided at the end
    for clause in clauses:
        cue, rest = _leading_cue(clause)
        if cue is None:
            left, *right = _INLINE_EN.split(clause, maxsplit=1)
            if not right:
                left, *right = _INLINE_ZH.split(clause, maxsplit=1)
            if left.strip():
                wanted.append(left.strip())
            avoid.extend(_phrase(r) for r in right if _phrase(r))
        elif not rest:
            continue
        elif len(clauses) == 1 and cue in _WEAK_EN and _short_refusal(clause, rest):
            avoid.append(_polite(rest))  # "no metal", "not jazz please": nothing else to want
        elif cue in _WEAK_EN or cue in _CUES_ZH or (len(clauses) == 1 and _title_case(clause)):
            weak.append(clause)
        else:
            avoid.append(rest)
    if wanted:
        avoid.extend(p for c in weak if (p := _leading_cue(c)[1]))
    else:
        wanted.extend(weak)  # no wanted clause: a short cue is more likely part of a title
    if not avoid:
        return QueryIntent(text.strip())
    return QueryIntent(", ".join(wanted), tuple(dict.fromkeys(avoid)))


def _leading_cue(clause: str) -> tuple[str | None, str]:
    """(the negation cue the clause starts with, the rest) or (None, clause), looking past
    an opening joining word and, in Chinese, the speaker. A Chinese cue after the speaker
    comes back as the strong cue "我" ("我不想看体育" is not a title)."""
    low = _JOINERS_EN.sub("", clause.lower(), count=1)
    body = clause[len(clause) - len(low):]
    for cue in sorted(_STRONG_EN + _WEAK_EN, key=len, reverse=True):
        if low == cue or low.startswith(cue + " "):
            return cue, _phrase(body[len(cue):])
    zh = _strip_prefix(clause, _JOINERS_ZH)
    spoken = _strip_prefix(zh, _SPEAKERS_ZH)
    hit = _LEADING_ZH.match(spoken)
    if hit:
        return ("我" if spoken != zh else hit.group(0)), _phrase(spoken[hit.end():])
    return None, clause


_POLITE = re.compile(r"\s+(?:please|pls|thanks|thank you)$", re.IGNORECASE)


def _polite(text: str) -> str:
    return _POLITE.sub("", text).strip()


def _short_refusal(clause: str, rest: str) -> bool:
    """A whole sentence of a short cue and one or two words, not written as a title:
    "no metal", "not jazz please", "nothing scary". Titles that open with the cue are longer
    or capitalised ("No Country for Old Men", "Not Another Teen Movie", "No Time to Die"); a
    two-word title typed in lower case is caught later, against the catalogue's titles
    (`Recommender.text_queries`)."""
    return 1 <= len(_polite(rest).split()) <= 2 and not _title_case(clause) and clause[:1].islower()


def _title_case(clause: str) -> bool:
    """"Never Let Me Go", "Without Remorse": every longer word capitalised, as titles are
    written and refusals are not ("without gore")."""
    words = [w for w in re.findall(r"[A-Za-z']+", clause) if len(w) >= 4]
    return len(clause.split()) >= 2 and bool(words) and all(w[0].isupper() for w in words)


def _strip_prefix(text: str, prefixes: tuple[str, ...]) -> str:
    for p in sorted(prefixes, key=len, reverse=True):
        if text.startswith(p) and len(text) > len(p):
            return text[len(p):].lstrip()
    return text


def _phrase(text: str) -> str:
    out = text.strip()
    while True:
        stripped = _FILLER.sub("", out, count=1)
        if len(stripped) > 1:
            stripped = _FILLER_ZH.sub("", stripped, count=1).strip() or stripped
        if stripped == out:
            return out
        out = stripped
