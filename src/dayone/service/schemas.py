"""Request and response models, named by role (ItemCreate, ItemPublic, ...).

Every model forbids unknown keys: a misspelt field is a 422 that names it, never a silent
default. Bounds (string lengths, list sizes, finite numbers) live here so bad input is rejected
before it reaches the store or the model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)


def id_problem(value: str) -> str | None:
    """What is wrong with an external id, or None. The same rule for body fields and path
    segments: a blank or padded id would be stored as given but refused by the model (or
    match another id once a loader strips it), so it is refused before anything is written."""
    if not value or len(value) > 256:
        return "ids are 1-256 characters"
    if any(ord(c) < 32 for c in value):
        return "ids have no control characters"
    if value != value.strip():
        return "ids have no leading or trailing whitespace" if value.strip() else "ids must not be blank"
    return None


def _valid_id(value: str) -> str:
    problem = id_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _no_id_field(fields: dict[str, Any]) -> dict[str, Any]:
    if "id" in fields:
        raise ValueError("'id' is the item's id, given beside `fields`, not one of its fields")
    return fields


def _plain_values(fields: Any) -> Any:
    """One clear error for a nested value, where the union of allowed types gave five to
    seven ("not a valid string", "not a valid integer", ...) for one mistake."""
    if isinstance(fields, dict):
        for key, value in fields.items():
            if isinstance(value, dict) or (isinstance(value, list)
                                           and any(isinstance(v, dict | list) for v in value)):
                raise ValueError(f"field {key!r}: a field is text, a number, true/false or a list "
                                 "of those, not an object or a nested list")
    return fields


def _event_time(value: datetime) -> datetime:
    """Events are stored as Unix seconds: a time without a zone is UTC (never the server's
    local time, which differs between machines), and one outside 1970 to a day from now is a
    client's mistake (year 1 cannot even be converted)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value < _EPOCH or value > datetime.now(UTC) + timedelta(days=1):
        raise ValueError("an event time is between 1970-01-01 and a day from now")
    return value


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _check_value(kind: str, value: float | None) -> None:
    """A rating carries its value; for the other kinds a value is a strength (a click's
    weight), so a negative one is a mistake rather than a dislike."""
    if kind == "rating" and value is None:
        raise ValueError("a rating needs a numeric `value`")
    if kind != "rating" and value is not None and value < 0:
        raise ValueError(f"a {kind}'s `value` is a strength (0 or more); say a dislike with kind 'dislike'")

StoredId = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f]+$")]
Id = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f]+$"), AfterValidator(_valid_id)]
# a list may hold numbers too (sizes, years): what a seed file or an export holds comes back in
FieldValue = str | int | float | bool | list[str | int | float | bool] | None
Fields = Annotated[dict[Annotated[str, Field(min_length=1, max_length=100)], FieldValue],
                   Field(max_length=100), BeforeValidator(_plain_values), AfterValidator(_no_id_field)]
AttrValue = str | int | float | bool | None
Attributes = Annotated[dict[Annotated[str, Field(min_length=1, max_length=100)], AttrValue],
                       Field(max_length=100)]
FreeText = Annotated[str, Field(max_length=5000)]
EventKindT = Literal["click", "like", "dislike", "rating", "purchase"]

T = TypeVar("T")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ListPublic(Strict, Generic[T]):
    """A page of results: `count` is the total available, `data` the returned slice."""

    data: list[T]
    count: int


# -- items ------------------------------------------------------------------------------------
class ItemCreate(Strict):
    """A catalogue item. `fields` holds whatever describes it (title, description, category,
    tags...); the description templates turn them into the text the encoder reads."""

    id: Id
    fields: Fields = Field(default_factory=dict)


class ItemUpdate(Strict):
    fields: Fields


class ItemPublic(Strict):
    id: str
    fields: dict[str, Any]


class ItemBatch(Strict):
    items: list[ItemCreate] = Field(min_length=1)


class CategoryPublic(Strict):
    name: str
    count: int
    fields: list[str] = Field(default_factory=list, description="the category fields that hold "
                              "this value: filter on one with 'field:name'")


class IdBatch(Strict):
    # deleting names ids that exist, so it takes any stored id, even one an earlier version
    # accepted with padding
    ids: list[StoredId] = Field(min_length=1)


class WriteResult(Strict):
    """What a write did. `seq` is the store's change-log position: once a call returns, the
    write is durable and already visible to recommendations in this process."""

    count: int
    ids: list[str]
    seq: int


CategoryTerm = Annotated[str, Field(min_length=1, max_length=200)]
CategoryFilter = CategoryTerm | Annotated[list[CategoryTerm], Field(min_length=1, max_length=20)] | None


class TextQuery(Strict):
    text: Annotated[str, Field(min_length=1, max_length=5000, pattern=r"\S")]
    n: int = Field(10, ge=1, le=100, strict=True)  # "3" is a client bug, as for `value`
    category: CategoryFilter = Field(None, description="as in recommendations: a category value, "
                                     "'field:value', or a list of them all required")


# -- users ------------------------------------------------------------------------------------
class UserCreate(Strict):
    id: Id
    attributes: Attributes = Field(default_factory=dict)
    text: FreeText | None = Field(None, description="what the user says they like, free text")


class UserUpdate(Strict):
    attributes: Attributes = Field(default_factory=dict)
    text: FreeText | None = None


class UserPublic(Strict):
    id: str
    attributes: dict[str, Any]
    text: str | None
    n_events: int


class UserBatch(Strict):
    users: list[UserCreate] = Field(min_length=1)


# -- events -----------------------------------------------------------------------------------
class EventCreate(Strict):
    """One interaction. `value` is required for `rating` (any finite scale, e.g. 1-5) and
    optional otherwise. `ts` defaults to the time the service received the event. An unknown
    user is created on the fly (an anonymous visitor becoming known); an unknown item is 404."""

    user_id: Id
    item_id: Id
    kind: EventKindT
    value: float | None = Field(None, ge=-1e6, le=1e6, strict=True)  # "5" or true is a client bug
    ts: Annotated[datetime, AfterValidator(_event_time)] | None = Field(
        None, description="when it happened; without a zone it is read as UTC; from 1970 to a day ahead")

    @model_validator(mode="after")
    def _rating_needs_value(self) -> EventCreate:
        _check_value(self.kind, self.value)
        return self


class EventPublic(Strict):
    user_id: str
    item_id: str
    kind: str
    value: float | None
    ts: datetime
    seq: int


class EventBatch(Strict):
    events: list[EventCreate] = Field(min_length=1)


# -- recommendations ----------------------------------------------------------------------------
class ContextItem(Strict):
    """An item the visitor picked, optionally with how they felt about it."""

    item_id: Id
    kind: EventKindT = "like"
    value: float | None = Field(None, ge=-1e6, le=1e6, strict=True)  # "5" or true is a client bug

    @model_validator(mode="after")
    def _rating_needs_value(self) -> ContextItem:
        _check_value(self.kind, self.value)
        return self


def _pick_shape(value: Any) -> str:
    """A pick is an id or an object: deciding which up front means a bad object is reported
    once, by its own fields, not also as "not a valid id"."""
    return "id" if isinstance(value, str) else "item"


# a picked item: its id alone (a like), or an object with how the visitor felt about it
Pick = Annotated[Annotated[Id, Tag("id")] | Annotated[ContextItem, Tag("item")], Discriminator(_pick_shape)]


class SessionContext(Strict):
    """What is known about an anonymous visitor: free text, attributes, picked items."""

    text: FreeText | None = None
    attributes: Attributes = Field(default_factory=dict)
    items: list[Pick] = Field(default_factory=list, max_length=500)


class Filters(Strict):
    n: int = Field(10, ge=1, le=100, strict=True)  # "3" is a client bug, as for `value`
    exclude_seen: bool = Field(True, description="leave out items already in the history")
    exclude: list[Id] = Field(default_factory=list, max_length=10_000)
    category: CategoryFilter = Field(
        None, description="only items that carry this value in one of the service's category fields "
        "(`category_fields`; one whole value, any case, as GET /categories lists them), or "
        "'field:value' for that field only ('language:es'); a list keeps the items that carry "
        "every term. A term no item carries is a 422 naming near misses"
    )
    candidates: list[Id] | None = Field(
        None, max_length=10_000, description="only rank among these item ids"
    )


class SessionRecommendRequest(Filters):
    context: SessionContext = Field(default_factory=SessionContext)


class ExplainRequest(Strict):
    context: SessionContext = Field(default_factory=SessionContext)
    item_id: Id


class LikesRequest(Strict):
    context: SessionContext = Field(default_factory=SessionContext)
    item_ids: list[Id] = Field(min_length=1, max_length=1000,
                               description="the items to answer for (history items allowed)")


class LikePublic(Strict):
    item: str
    title: str | None = None
    probability: float = Field(description="how likely this visitor is to like the item")
    like_rate: float = Field(description="the visitor's like rate, shrunk towards the population's")
    standing: float = Field(description="share of the catalogue ranked below the item for them")
    crowd: float = Field(description="log-odds by which the item's liked share among those who have it "
                         "exceeds the log's (0: average, or nobody has it yet)")
    source: str = Field(description="the strategy that placed the item where it stands")
    explanation: str


class LikeList(Strict):
    data: list[LikePublic]
    count: int
    model_version: int


class RecommendationPublic(Strict):
    item: str
    score: float
    source: str = Field(description="the strategy that produced this item")
    explanation: str
    title: str | None = None


class RecommendationList(Strict):
    data: list[RecommendationPublic]
    count: int
    strategy: str = Field(description="which strategy (or blend) served this response")
    model_version: int


class UserScorePublic(Strict):
    user: str
    score: float
    source: str
    explanation: str


class UserScoreList(Strict):
    data: list[UserScorePublic]
    count: int
    strategy: str
    model_version: int


class ExplainPublic(Strict):
    item: str
    title: str | None
    score: float
    source: str
    explanation: str
    rank: int | None = Field(description="1-based rank among all candidates, None if filtered out")
    strategy: str
    model_version: int
    evidence: dict[str, Any] = Field(description="what the profile was built from")


# -- models / health ----------------------------------------------------------------------------
class ModelInfo(Strict):
    version: int
    built_at: float
    change_seq: int
    applied_seq: int
    n_items: int
    n_users: int
    n_events: int
    refitting: bool
    path: str | None
    last_refit_error: str | None = Field(None, description="why the last refit failed; null after a success")
    domain: str = Field("generic", description="the catalogue's description domain (movie, product, music, "
                        "news, generic): the page words its examples and its category field by it")
    handover: list[str] = Field(
        default_factory=list,
        description="what the serving model's hand-over learned: per evidence bucket, the "
        "replayed examples, NDCG@10 with zero-shot and learned weights, the parts weighing most",
    )


class RefitRequest(Strict):
    wait: bool = Field(False, description="block until the new model is serving")


class Health(Strict):
    status: str
    detail: dict[str, Any] = Field(default_factory=dict)
