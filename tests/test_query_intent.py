"""Splitting a visitor's sentence into what is wanted and what is to be avoided."""

from __future__ import annotations

import pytest

from dayone.descriptions.intent import QueryIntent, parse_intent


@pytest.mark.parametrize(
    ("text", "wanted", "avoid"),
    [
        ("slow-burn sci-fi, nothing gory", "slow-burn sci-fi", ("gory",)),
        ("sci-fi without gore", "sci-fi", ("gore",)),
        ("comedy, no romance, no musicals", "comedy", ("romance", "musicals")),
        ("I love thrillers. I hate horror.", "I love thrillers", ("horror",)),
        ("a romantic comedy but not too cheesy", "a romantic comedy", ("cheesy",)),
        ("jazz, anything but smooth jazz", "jazz", ("smooth jazz",)),
        ("not into sports; documentaries please", "documentaries please", ("sports",)),
        ("科幻片，不要恐怖片", "科幻片", ("恐怖片",)),
        ("avoid anything violent", "", ("violent",)),
        # a clause opening with a joining word, an inline "and no"
        ("sci-fi, but nothing gory", "sci-fi", ("gory",)),
        ("comedy and no romance", "comedy", ("romance",)),
        # Chinese: a joining word or the speaker before the cue, a cue after a joining word
        # or a space inside a clause, and the verb between a cue and what it refuses
        ("电影和综艺，但不要明星八卦", "电影和综艺", ("明星八卦",)),
        ("想看科技新闻但不要娱乐八卦", "想看科技新闻", ("娱乐八卦",)),
        ("健康 不要减肥", "健康", ("减肥",)),
        ("我不想看体育", "", ("体育",)),
        ("财经，别推楼市", "财经", ("楼市",)),
        ("科幻，不要给我看任何恐怖片", "科幻", ("恐怖片",)),
        # a filler verb that begins the refused word stays with it
        ("电影，不要推理片", "电影", ("推理片",)),
        ("电影，不要有声书", "电影", ("有声书",)),
    ],
)
def test_wanted_and_avoided_parts(text: str, wanted: str, avoid: tuple[str, ...]) -> None:
    assert parse_intent(text) == QueryIntent(wanted, avoid)


@pytest.mark.parametrize(
    "text",
    ["No Country for Old Men", "Nothing Hill", "Notting Hill", "space opera",
     "Not Another Teen Movie", "No Time to Die", "No Metal", "none", "no",
     # two short-cue clauses and nothing plainly wanted: ambiguous, so left to the encoder
     "No Country for Old Men, nothing gory", "别告诉她", "不想长大", "我的不要脸朋友",
     # words that begin with a cue but refuse nothing, and titles that begin with a cue
     "房产 别墅", "汽车 别克新车", "教育，别人家的孩子", "电影 别告诉她", "我不看好A股",
     "Never Let Me Go", "Without Remorse",
     "  ", ""],
)
def test_texts_without_a_clear_negation_stay_whole(text: str) -> None:
    assert parse_intent(text) == QueryIntent(text.strip())


@pytest.mark.parametrize("text,avoid", [
    ("no metal", "metal"), ("not metal", "metal"), ("nothing gory", "gory"),
    ("no jazz please", "jazz"), ("nothing with vocals", "vocals"),
])
def test_a_lone_short_refusal_in_lower_case_is_a_refusal(text: str, avoid: str) -> None:
    """A reviewer's "no metal" returned ten metal tracks: the whole sentence went to the
    encoder, which does not negate."""
    assert parse_intent(text) == QueryIntent("", (avoid,))


def test_a_short_cue_counts_next_to_a_wanted_clause() -> None:
    assert parse_intent("westerns, nothing gory") == QueryIntent("westerns", ("gory",))
    assert parse_intent("nothing gory, westerns") == QueryIntent("westerns", ("gory",))


def test_repeated_avoided_phrases_are_kept_once() -> None:
    assert parse_intent("drama, no gore, without gore").avoid == ("gore",)
