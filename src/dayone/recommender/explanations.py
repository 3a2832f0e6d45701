"""Why an item is on a list: the strategy that contributed most (its `source`) and a sentence
that names the part of the visitor's context it matched.

Separate from the scoring so that the sentences can grow (a value matched, a like that points
the item's way, a prediction standing in for a count) without touching how scores are made:
everything here reads a `Scored` request and the recommender's state, and changes neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dayone.recommender.phrases import say
from dayone.recommender.results import Recommendation
from dayone.recommender.scored import STRATEGY_LABELS, Scored, short_title

if TYPE_CHECKING:
    from dayone.recommender.recommender import Recommender


def explain_at(rec: Recommender, scored: Scored, j: int) -> Recommendation:
    row = int(scored.rows[j])
    item_id = rec.index.id_at(row)
    contrib = {
        name: float(scored.weights[name] * arr[j])
        for name, arr in scored.parts.items()
        if scored.weights[name] > 0
    }
    if not contrib:
        return Recommendation(item=item_id, score=0.0, source="catalogue-order",
                              explanation=say(lang(rec), "catalogue_order"), contributions={})
    source = "title" if row in scored.named else max(contrib, key=lambda k: contrib[k])
    if source != "title" and contrib[source] <= NO_EVIDENCE:
        # every part scores the item at (or below) nothing: naming the largest would invent a
        # reason ("people who liked X also liked this" for an item nobody liked with X)
        return Recommendation(item=item_id, score=float(scored.total[j]), source="catalogue-order",
                              explanation=say(lang(rec), "no_evidence"),
                              contributions={STRATEGY_LABELS[k]: round(v, 6) for k, v in contrib.items()})
    vote = scored.neighbour_vote
    nb = rec.population.neighbours
    # nobody shares the picks (or there are none, or those who do lack this item) and no
    # profile narrows the crowd: the similar-users share is then the whole crowd's
    knows_nothing = vote is not None and not vote.profiled and (
        not (vote.from_picks and vote.people.size) or (nb is not None and nb.likers(vote, row) == 0))

    def label(name: str) -> str:
        if name == "neighbours" and knows_nothing:
            return STRATEGY_LABELS["popularity"]  # a crowd that knows nothing of you is popularity
        return STRATEGY_LABELS[name]

    labelled: dict[str, float] = {}
    for name, v in contrib.items():  # two strategies may share a label: their parts add up
        labelled[label(name)] = labelled.get(label(name), 0.0) + v
    explanation = sentence(rec, source, scored, row, j)
    if source not in ("text", "title") and contrib.get("text", 0.0) > 0 and scored.raw_text is not None:
        # the sentence let this item through (the text gate), even if another part won
        explanation += say(lang(rec), "also_matches", reason=text_match_reason(rec, scored, row, j))
    if contrib.get("avoid", 0.0) < -AVOID_NOTED:
        # said even when another part carried the item: a list that still shows an item the
        # visitor refused must not read as if the refusal was ignored
        explanation += "; " + avoided_sentence(rec, scored, row)
    return Recommendation(
        item=item_id,
        score=float(scored.total[j]),
        source=label(source),
        explanation=explanation,
        contributions={k: round(v, 6) for k, v in labelled.items()},
    )

# a part's contribution at or below which it is no reason to name (parts are on [0, 1] scales
# times weights of order 1, so this is a thousandth of a full match)
NO_EVIDENCE = 1e-3

# an avoided phrase's share of the score below which the explanation says it pushed the
# item down (the part is minus the item's relative match to the phrase, times avoid_weight)
AVOID_NOTED = 0.1


def avoided_sentence(rec: Recommender, scored: Scored, row: int) -> str:
    """Which avoided phrase the item resembles most, said as the reason it was pushed down."""
    _, avoid = rec.text_queries(scored.context.attributes, scored.context.text)
    if len(avoid) > 1:
        item = rec.index._mat[row]
        sims = [float(rec._encode_query(a) @ item) for a in avoid]
        avoid = (avoid[int(np.argmax(sims))],)
    return say(lang(rec), "pushed_down", phrases=say(lang(rec), "quote_sep").join(avoid))


def text_match_reason(rec: Recommender, scored: Scored, row: int, j: int) -> str:
    """How the item matches the sentence: through one of its field values when that is
    closer than its whole description (`sentence_match` in `_score`), with the similarity."""
    raw = float(scored.raw_text[j]) if scored.raw_text is not None else 0.0
    if scored.text_vector is not None:
        wanted, _ = rec.text_queries(scored.context.attributes, scored.context.text)
        closest = rec.field_values.closest(scored.text_vector, row, rec.typed_words(scored.context.text) or wanted)
        if closest is not None and closest[1] > raw:
            return say(lang(rec), "through_value", value=closest[0], sim=closest[1])
    return say(lang(rec), "similarity", sim=raw)

def lang(rec: Recommender) -> str:
    return rec.describer.template.language


def titled(rec: Recommender, item_id: str) -> str:
    """An item's short title, marked as titles are in the language (《…》 in Chinese)."""
    return say(lang(rec), "title_mark", title=short_title(rec.catalog.title(item_id)))


def own_verb(rec: Recommender, ctx: Any, item_id: str) -> str:
    """"liked" for a pick the visitor liked or rated, "picked" (the domain's word) for one they
    only took: a course review read "which you liked" for a mere enrolment."""
    template = rec.describer.template
    for h in reversed(ctx.history):
        if h.item == item_id:
            return template.liked_verb if (h.liked or h.rating is not None) else template.picked_verb
    return template.liked_verb


def sentence(rec: Recommender, source: str, scored: Scored, row: int, j: int) -> str:
    ctx = scored.context
    verb = rec.describer.template.liked_verb
    lg = lang(rec)
    if source == "text":
        # the wanted words only: quoting "..., no gossip" would read as a match on gossip
        text = rec.typed_words(ctx.text) or ctx.text or ""
        short = text if len(text) <= 60 else text[:57] + "..."
        return say(lg, "text", text=short, reason=text_match_reason(rec, scored, row, j))
    if source == "title":
        return say(lg, "title")
    if source == "attributes_text":
        sep = say(lg, "list_sep")
        attrs = sep.join(say(lg, "attr", key=k, value=v) for k, v in ctx.attributes.items())
        return say(lg, "attributes_text", attrs=attrs)
    if source == "history":
        liked = scored.history_rows[scored.history_prefs > 0]
        if liked.size:
            sims = rec.index._mat[liked] @ rec.index._mat[row]
            best = rec.index.id_at(int(liked[int(np.argmax(sims))]))
            return say(lg, "history", title=titled(rec, best), verb=own_verb(rec, ctx, best))
        return say(lg, "history_unlike")
    if source == "cooccurrence" and rec.population.cooc is not None:
        liked = scored.history_rows[(scored.history_prefs > 0) & (scored.history_rows < rec.population.cooc.shape[0])]
        if liked.size and row < rec.population.cooc.shape[1]:
            col = np.asarray(rec.population.cooc[liked][:, row].todense()).ravel()
            best = rec.index.id_at(int(liked[int(np.argmax(col))]))
            return say(lg, "cooccurrence", title=titled(rec, best), verb=verb)
        return say(lg, "cooccurrence_plain", verb=verb)
    if source == "neighbours" and scored.neighbour_vote is not None:
        vote = scored.neighbour_vote
        count = rec.population.neighbours.likers(vote, row) if rec.population.neighbours else 0
        if vote.from_picks and count > 0:
            return say(lg, "neighbours", verb=verb, count=count, people=vote.people.size)
        # the score came from the wider crowd, not from people who share the picks
        n_liked = int(rec.population.pos[row])
        none = (say(lg, "none_have_it", people=vote.people.size)
                if vote.from_picks and vote.people.size else "")
        if not vote.profiled:
            return popular(rec, n_liked) + none
        shared = say(lg, "list_sep").join(scored.matched_groups) or say(lg, "your_profile")
        return say(lg, "neighbours_profiled", count=n_liked, shared=shared, none=none)
    if source == "beginnings":
        return say(lg, "beginnings")
    if source == "taste":
        return say(lg, "taste", verb=verb)
    if source == "demographic":
        key = "demographic_lately" if rec.population.trend is not None else "demographic"
        return say(lg, key, groups=say(lg, "list_sep").join(scored.matched_groups))
    if source == "quality":
        if row < rec.population.rating_n.shape[0] and rec.population.rating_n[row] == 0:
            return say(lg, "quality_new")
        return say(lg, "quality")
    if source == "avoid":
        return avoided_sentence(rec, scored, row)
    count = int(rec.population.pos[row]) if row < rec.population.pos.shape[0] else 0
    if count == 0 and source == "popularity":
        return say(lg, "new_popular", verb=verb)
    return popular(rec, count)


def popular(rec: Recommender, count: int) -> str:
    """The crowd's reason, saying so when recent likes count more (`popularity_half_life_days`)."""
    if rec.population.trend is not None and rec.population.half_life_s is not None:
        days = rec.population.half_life_s / 86400.0
        unit = say(lang(rec), "day" if days == 1 else "days")
        return say(lang(rec), "popular_lately", count=count, days=days, unit=unit)
    return say(lang(rec), "popular", count=count)
