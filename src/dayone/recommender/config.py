"""One pydantic model configures a recommender; unknown keys fail instead of being ignored."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class BlendWeights(BaseModel):
    """How much each strategy counts, before the evidence-based ramps in `scoring`.

    The defaults are zero-shot settings: nothing here is learned from labels. They encode the
    bench finding that population priors must carry a new user, and that text and history
    similarity refine the order within them.
    """

    model_config = ConfigDict(extra="forbid")
    text: float = Field(1.0, ge=0)
    attributes_text: float = Field(0.15, ge=0)
    history: float = Field(0.8, ge=0)
    cooccurrence: float = Field(0.6, ge=0)
    neighbours: float = Field(0.6, ge=0)
    popularity: float = Field(0.35, ge=0)
    demographic: float = Field(0.45, ge=0)
    quality: float = Field(0.15, ge=0)
    # learned only: a zero-shot default has nothing to say about a network's scale, so it
    # counts once the hand-over has weighed it on replayed users (recommender/beginnings.py)
    beginnings: float = Field(0.0, ge=0)


class LikeWeights(BaseModel):
    """How `Recommender.predict_likes` adds up what it knows about a (user, item) pair into the
    log-odds of a like (`dayone.recommender.likes`). The defaults are hand-set; with a learned
    hand-over the replayed users' later ratings fit them (`likes.fit_like_weights`), so a
    catalogue where the item's standing says more than the user's like rate (or where the
    crowd's verdict on the item says most) weighs it so."""

    model_config = ConfigDict(extra="forbid")
    bias: float = Field(0.0, ge=-20, le=20)
    rate: float = Field(1.0, ge=-20, le=20, description="per log-odds of the user's shrunk like rate")
    standing: float = Field(0.5, ge=-20, le=20, description="per log-odds of the item's standing for the user")
    quality: float = Field(0.0, ge=-20, le=20, description="per log-odds gain of the item's liked share in the log")


class NeighbourKernel(BaseModel):
    """How people are weighed as neighbours (dayone.recommender.neighbours): a user who shares
    picks with the visitor weighs (agreement + smooth) ** sharpness, times profile_match for
    every profile attribute value shared.

    Fixed, not learned: choosing among these and three sharper kernels together with the
    hand-over weights on the replayed users picked a sharper one each time (in-sample), and
    it scored below this default on the held-out users of all three seeds of the ML-100K
    new-user split (docs/evaluation/README.md)."""

    model_config = ConfigDict(extra="forbid")
    smooth: float = Field(1.0, gt=0)
    sharpness: float = Field(1.0, gt=0, le=8)
    profile_match: float = Field(2.0, ge=1, le=16)


# positive-interaction counts where the learned hand-over switches weights: 0, 1-2, 3-5, 6+
EVIDENCE_EDGES = (0, 1, 3, 6)


class RecommenderConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    encoder: str = "default"
    domain: str = "generic"
    language: Literal["en", "zh"] = "en"
    template_file: str | None = None
    index: Literal["exact", "hnsw", "auto"] = "auto"
    hnsw_threshold: int = Field(200_000, ge=1)
    rating_threshold: float | None = None
    cooccurrence: bool = True
    taste: bool = Field(
        default=True,
        description="at refit, learn collaborative taste factors and a map from an item's description "
        "to them (dayone.recommender.taste), so a brand-new item reaches the visitors whose picks "
        "lean its way; false skips their fit",
    )
    neighbours: bool = Field(
        default=True,
        description="keep a user x item matrix so a visitor's picks find the people who share them "
        "(dayone.recommender.neighbours); false saves its memory on very large logs",
    )
    neighbour_kernel: NeighbourKernel = Field(default_factory=NeighbourKernel)
    beginnings: bool = Field(
        default=True,
        description="at refit, train the similar-beginnings network (dayone.recommender.beginnings: "
        "what people who started with picks like the visitor's went on to like) when torch is "
        "installed and there are enough users; false skips its training time",
    )
    weights: BlendWeights = Field(default_factory=BlendWeights)
    handover: list[BlendWeights] | None = Field(
        default=None,
        description="learned weights per evidence bucket (EVIDENCE_EDGES); set by learn_handover",
    )
    likes: LikeWeights | None = Field(
        default=None,
        description="weights of predict_likes' yes/no answer; set by learn_handover from the replayed "
        "users' later ratings when the log has enough of both kinds, else the hand-set defaults",
    )
    learn_handover: bool = Field(
        default=True,
        description="at build, learn the hand-over on simulated new users when there are enough users",
    )
    handover_replay: Literal["random", "latest"] = Field(
        "random",
        description="whom the hand-over replays: a seeded random sample of users, or the latest arrivals "
        "(when the log's times say who came when), closer to serving tomorrow's visitors; on ML-100K "
        "'latest' served the latest fifth of users better and a random fifth worse (docs/evaluation)",
    )
    popularity_half_life_days: float | Literal["auto"] | None = Field(
        None,
        description="rank popularity by positive interactions weighted by recency: one counts half as "
        "much after this many days; 'auto' chooses the half-life (or none) that best predicts the log's "
        "own next likes, replaying its later part (dayone.recommender.recency); none (the default) "
        "counts every interaction the same. Needs event times; explanations still give the plain count",
    )

    @field_validator("popularity_half_life_days")
    @classmethod
    def _positive_half_life(cls, v: float | str | None) -> float | str | None:
        if isinstance(v, float | int) and v <= 0:
            raise ValueError("must be > 0 days, 'auto' or null")
        return v
    avoid_weight: float = Field(
        1.0,
        ge=0,
        description="how hard items resembling what a visitor asked to avoid ('nothing gory') are "
        "pushed down; 0 keeps them, and only drops the avoided clause from the matched text",
    )
    field_match: float = Field(
        0.5,
        ge=0,
        le=1,
        description="how much of a sentence's match with an item comes from the item's closest short "
        "field value (a genre, a tag, a brand) rather than its whole description; title words then "
        "cannot carry an item alone (docs/text_queries.md). 0 matches the whole description only",
    )
    title_lead: bool = Field(
        True,
        description="when a sentence names items by title (most of its words are the title's), those "
        "items lead the list; false lets them compete with the rest on their match",
    )
    text_gate: bool = Field(
        True,
        description="with a sentence, scale every other strategy by how well the item matches it "
        "(0 at or below the median item, 1 for the best match); false adds them regardless",
    )
    text_gate_power: float = Field(
        2.0,
        ge=0.5,
        le=8,
        description="how sharply the text gate favours the closest matches: an item keeps "
        "0.1 + 0.9 × match^power of its other parts (match 0 at the median item, 1 for the best); "
        "1 is linear, 2 keeps a half-matching popular item at a third of its prior instead of a half",
    )
    new_item_popularity: float = Field(
        2.0,
        ge=0,
        le=4,
        description="an item no interaction has reached yet counts this multiple of the popularity its "
        "description predicts (learned on the items the log knows; needs taste: true); above 1 because "
        "the similar-users and profile parts, which also count interactions, cannot see it at all; "
        "0 gives it none (docs/text_queries.md, new items)",
    )
    parse_negation: bool = Field(
        True,
        description="split free text into wanted and avoided parts (dayone.descriptions.intent); "
        "false encodes the whole sentence as one query",
    )
    batch_size: int = Field(64, ge=1, le=4096)
    profile_window: int = Field(
        500, ge=1, description="most recent events that shape a user's profile vector (users_for_item)"
    )
