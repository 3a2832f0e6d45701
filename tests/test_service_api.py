"""Every route of the HTTP API, with good and bad input, on the tiny hashing-encoder app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dayone.service.testing import TINY_CATALOG, tiny_app, tiny_settings

API = "/api/v1"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(tiny_app(tmp_path)) as c:
        yield c


def ids(resp_json: dict) -> list[str]:
    return [r["item"] for r in resp_json["data"]]


# -- health, metrics, page, OpenAPI -------------------------------------------------------------
def test_health_metrics_page_and_openapi(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok", "detail": {}}
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["detail"]["model_loaded"] is True
    client.get(f"{API}/items/m1")
    metrics = client.get("/metrics").text
    assert 'dayone_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/items/{item_id}",status="200"}' in metrics
    assert "dayone_items 12.0" in metrics
    page = client.get("/")
    assert page.status_code == 200 and "New visitor" in page.text
    assert client.get("/static/app.js").status_code == 200
    spec = client.get("/openapi.json").json()
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"create_item", "recommend_for_user", "recommend_session", "explain_for_user",
            "users_for_item", "similar_items", "add_event", "refit_model"} <= ops
    assert all(p.startswith(("/api/v1/", "/health/", "/metrics")) for p in spec["paths"])


def test_not_ready_while_loading(tmp_path: Path) -> None:
    app = tiny_app(tmp_path)
    c = TestClient(app)  # no `with`: the lifespan has not run, nothing is loaded
    r = c.get("/health/ready")
    assert r.status_code == 503 and r.json()["status"] == "not ready"
    assert c.get(f"{API}/items").status_code == 503


# -- items ----------------------------------------------------------------------------------------
def test_item_crud(client: TestClient) -> None:
    r = client.post(f"{API}/items", json={"id": "n1", "fields": {"title": "New One", "genres": ["Comedy"]}})
    assert r.status_code == 201 and r.json() == {"id": "n1", "fields": {"title": "New One", "genres": ["Comedy"]}}
    assert client.post(f"{API}/items", json={"id": "n1", "fields": {}}).status_code == 409
    assert client.get(f"{API}/items/n1").json()["fields"]["title"] == "New One"
    r = client.put(f"{API}/items/n1", json={"fields": {"title": "Renamed"}})
    assert r.status_code == 200 and client.get(f"{API}/items/n1").json()["fields"] == {"title": "Renamed"}
    page = client.get(f"{API}/items", params={"offset": 0, "limit": 5}).json()
    assert page["count"] == 13 and len(page["data"]) == 5
    assert client.delete(f"{API}/items/n1").status_code == 204
    assert client.get(f"{API}/items/n1").status_code == 404
    assert client.delete(f"{API}/items/n1").status_code == 404


def test_item_batch_upsert_and_delete(client: TestClient) -> None:
    r = client.post(f"{API}/items/batch", json={"items": [
        {"id": "b1", "fields": {"title": "Batch One"}}, {"id": "m1", "fields": {"title": "Space Odyssey II"}}]})
    assert r.status_code == 200 and r.json()["count"] == 2 and r.json()["seq"] > 0
    assert client.get(f"{API}/items/m1").json()["fields"]["title"] == "Space Odyssey II"
    r = client.post(f"{API}/items/batch/delete", json={"ids": ["b1", "nope"]})
    assert r.json()["ids"] == ["b1"]
    dup = client.post(f"{API}/items/batch", json={"items": [{"id": "x"}, {"id": "x"}]})
    assert dup.status_code == 422 and "duplicate" in dup.json()["detail"]
    assert dup.json()["detail"].startswith("items[1]: duplicate id"), "which row repeats which id"


@pytest.mark.parametrize("body", [
    {"fields": {"title": "no id"}},
    {"id": "", "fields": {}},
    {"id": "x" * 300},
    {"id": "a", "fields": {"title": {"nested": "object"}}},
    {"id": "a", "fields": {}, "unexpected": 1},
    {"id": "a\n", "fields": {}},
    {"id": "   ", "fields": {"title": "blank"}},
    {"id": " padded", "fields": {}},
    {"id": "z", "fields": {"id": "m1", "title": "would replace m1"}},
    {"id": 5},
    [],
    "just a string",
])
def test_item_create_rejects_bad_input(client: TestClient, body: object) -> None:
    r = client.post(f"{API}/items", json=body)
    assert r.status_code == 422, r.text
    assert "detail" in r.json()


def test_refused_item_writes_are_not_stored_and_later_refits_work(client: TestClient) -> None:
    before = client.get(f"{API}/items", params={"limit": 100}).json()["count"]
    assert client.post(f"{API}/items", json={"id": "   ", "fields": {"title": "blank"}}).status_code == 422
    r = client.put(f"{API}/items/%20", json={"fields": {"title": "blank"}})
    assert r.status_code == 422 and "blank" in r.json()["detail"]
    r = client.put(f"{API}/items/m2", json={"fields": {"id": "   ", "title": "x"}})
    assert r.status_code == 422 and "'id'" in r.text
    r = client.post(f"{API}/items/batch", json={"items": [{"id": "ok1", "fields": {}}, {"id": "ok2 ", "fields": {}}]})
    assert r.status_code == 422 and "whitespace" in r.text
    assert client.put(f"{API}/users/%20", json={"attributes": {}}).status_code == 422
    assert client.get(f"{API}/items", params={"limit": 100}).json()["count"] == before, "nothing was stored"
    assert client.get(f"{API}/items/m1").json()["fields"]["title"] != "would replace m1"
    r = client.post(f"{API}/models/refit", json={"wait": True})
    assert r.status_code == 200 and r.json()["last_refit_error"] is None  # done, not accepted


def test_a_refit_that_fails_says_so_to_a_caller_who_waits(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from dayone.service.engine import Engine

    def broken(self: Engine) -> None:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(Engine, "_build_from_store", broken)
    r = client.post(f"{API}/models/refit", json={"wait": True})
    assert r.status_code == 500 and "the store went away" in r.json()["detail"]
    info = client.get(f"{API}/models/current").json()
    assert info["version"] == 0 and "the store went away" in info["last_refit_error"]
    assert client.post(f"{API}/recommendations/session", json={"context": {"items": ["m1"]}}).status_code == 200


def test_item_bad_json_and_nan_are_4xx(client: TestClient) -> None:
    r = client.post(f"{API}/items", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = client.post(f"{API}/items", content=b'{"id":"a","fields":{"x":NaN}}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert client.post(f"{API}/items/batch", json={"items": []}).status_code == 422
    assert client.get(f"{API}/items", params={"limit": 0}).status_code == 422
    assert client.get(f"{API}/items", params={"limit": "many"}).status_code == 422


def test_a_bad_pick_is_reported_once_by_its_own_field(client: TestClient) -> None:
    """A pick is an id or an object; a bad object must not also be reported as a bad id."""
    r = client.post(f"{API}/recommendations/session", content=(
        b'{"context":{"items":["m1",{"item_id":"m2","kind":"rating","value":NaN}]}}'),
        headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "context", "items", 1, "item", "value"]]
    r = client.post(f"{API}/recommendations/session", json={"context": {"items": [{"item_id": "m2", "kind": "rating"}]}})
    assert r.status_code == 422 and len(r.json()["detail"]) == 1
    assert "a rating needs a numeric `value`" in r.json()["detail"][0]["msg"]


def test_new_item_is_recommendable_when_the_call_returns(client: TestClient) -> None:
    q = {"context": {"text": "underwater submarine treasure"}, "n": 3}
    assert "sub" not in ids(client.post(f"{API}/recommendations/session", json=q).json())
    client.post(f"{API}/items", json={"id": "sub", "fields": {
        "title": "Submarine Treasure", "description": "underwater submarine treasure hunt"}})
    assert ids(client.post(f"{API}/recommendations/session", json=q).json())[0] == "sub"
    client.delete(f"{API}/items/sub")
    assert "sub" not in ids(client.post(f"{API}/recommendations/session", json=q).json())


def test_similar_items_search_categories_and_users_for_item(client: TestClient) -> None:
    r = client.get(f"{API}/items/m1/similar", params={"n": 3})
    assert r.status_code == 200 and "m1" not in ids(r.json()) and r.json()["count"] == 3
    assert all(x["source"] and x["explanation"] for x in r.json()["data"])
    assert client.get(f"{API}/items/zzz/similar").status_code == 404
    assert client.get(f"{API}/items/m1/similar", params={"n": 0}).status_code == 422
    r = client.post(f"{API}/items/search", json={"text": "horror ghosts", "n": 2})
    assert ids(r.json())[0] == "m9" and r.json()["strategy"]
    assert client.post(f"{API}/items/search", json={"text": "   "}).status_code == 422
    cats = {c["name"]: (c["count"], c["fields"]) for c in client.get(f"{API}/categories").json()["data"]}
    assert cats["horror"] == (2, ["genres"]) and cats["sci-fi"] == (3, ["genres"])
    # the filters reach "similar" and search too
    r = client.get(f"{API}/items/m1/similar", params={"n": 5, "category": "animation"})
    assert set(ids(r.json())) == {"m3", "m11"}
    r = client.post(f"{API}/items/search", json={"text": "horror ghosts", "n": 3, "category": ["comedy"]})
    assert r.status_code == 200 and "m9" not in ids(r.json()) and set(ids(r.json())) <= {"m4", "m5", "m11"}
    client.put(f"{API}/users/fan", json={"text": "I love horror ghosts", "attributes": {}})
    client.put(f"{API}/users/kid", json={"text": "animated children comedy", "attributes": {}})
    r = client.get(f"{API}/items/m9/users", params={"n": 2})
    assert r.status_code == 200 and r.json()["data"][0]["user"] == "fan"
    assert r.json()["data"][0]["source"] == "profile-match"
    assert client.get(f"{API}/items/zzz/users").status_code == 404


# -- users ----------------------------------------------------------------------------------------
def test_user_crud_and_events(client: TestClient) -> None:
    body = {"id": "u1", "attributes": {"age": 31, "country": "fr"}, "text": "romantic comedies"}
    r = client.post(f"{API}/users", json=body)
    assert r.status_code == 201 and r.json()["n_events"] == 0
    assert client.post(f"{API}/users", json=body).status_code == 409
    assert client.get(f"{API}/users/u1").json()["attributes"] == {"age": 31, "country": "fr"}
    r = client.put(f"{API}/users/u1", json={"attributes": {"age": 32}, "text": None})
    assert r.json()["text"] is None
    assert client.post(f"{API}/users/batch", json={"users": [{"id": "u2"}, {"id": "u3"}]}).json()["count"] == 2
    assert client.get(f"{API}/users").json()["count"] == 3
    client.post(f"{API}/events", json={"user_id": "u1", "item_id": "m4", "kind": "like"})
    ev = client.get(f"{API}/users/u1/events").json()
    assert ev["count"] == 1 and ev["data"][0]["kind"] == "like"
    for item in ("m5", "m6"):
        client.post(f"{API}/events", json={"user_id": "u1", "item_id": item, "kind": "click"})
    page = client.get(f"{API}/users/u1/events", params={"limit": 2}).json()
    assert page["count"] == 3 and [e["item_id"] for e in page["data"]] == ["m5", "m6"]
    older = client.get(f"{API}/users/u1/events", params={"limit": 2, "offset": 2}).json()
    assert [e["item_id"] for e in older["data"]] == ["m4"]
    assert client.get(f"{API}/users/u1").json()["n_events"] == 3
    assert client.get(f"{API}/users/nobody/events").status_code == 404
    assert client.delete(f"{API}/users/u1").status_code == 204
    assert client.get(f"{API}/users/u1").status_code == 404
    assert client.delete(f"{API}/users/u1").status_code == 404


@pytest.mark.parametrize("body", [
    {"id": "u", "attributes": {"tags": ["a", "b"]}},
    {"id": "u", "text": "x" * 6000},
    {"id": "u", "attributes": "not a dict"},
    {"id": "u", "extra": True},
])
def test_user_create_rejects_bad_input(client: TestClient, body: dict) -> None:
    assert client.post(f"{API}/users", json=body).status_code == 422


# -- events and online profile updates ---------------------------------------------------------------
def test_event_updates_the_next_recommendation(client: TestClient) -> None:
    client.put(f"{API}/users/v", json={"attributes": {}, "text": None})
    before = ids(client.get(f"{API}/users/v/recommendations", params={"n": 3}).json())
    r = client.post(f"{API}/events", json={"user_id": "v", "item_id": "m9", "kind": "like",
                                           "ts": "2026-01-01T00:00:00Z"})
    assert r.status_code == 201 and r.json()["ts"].startswith("2026-01-01")
    after = client.get(f"{API}/users/v/recommendations", params={"n": 3}).json()
    assert ids(after)[0] == "m10" and ids(after) != before  # the other horror film
    assert "m9" not in ids(after)  # seen items are excluded by default
    assert "m9" in ids(client.get(f"{API}/users/v/recommendations",
                                  params={"n": 3, "exclude_seen": False}).json())
    assert "history" in after["strategy"]
    # a dislike pushes horror down
    client.post(f"{API}/events", json={"user_id": "v", "item_id": "m10", "kind": "dislike"})
    client.post(f"{API}/events", json={"user_id": "v", "item_id": "m9", "kind": "rating", "value": 1})
    late = ids(client.get(f"{API}/users/v/recommendations", params={"n": 12}).json())
    assert "m10" not in late


def test_event_auto_creates_user_and_batches(client: TestClient) -> None:
    r = client.post(f"{API}/events/batch", json={"events": [
        {"user_id": "anon", "item_id": "m1", "kind": "click"},
        {"user_id": "anon", "item_id": "m2", "kind": "purchase", "value": 19.9}]})
    assert r.status_code == 200 and r.json()["count"] == 2
    assert client.get(f"{API}/users/anon").json()["n_events"] == 2


@pytest.mark.parametrize("body,code", [
    ({"user_id": "u", "item_id": "m1", "kind": "rating"}, 422),
    ({"user_id": "u", "item_id": "m1", "kind": "stare"}, 422),
    ({"user_id": "u", "item_id": "m1", "kind": "like", "ts": "yesterday"}, 422),
    ({"user_id": "u", "item_id": "m1", "kind": "like", "ts": "0001-01-01T00:00:00"}, 422),
    ({"user_id": "u", "item_id": "m1", "kind": "like", "ts": "9999-01-01T00:00:00Z"}, 422),
    ({"user_id": "   ", "item_id": "m1", "kind": "like"}, 422),
    ({"user_id": "u", "item_id": "m1", "kind": "rating", "value": "5"}, 422),
    ({"user_id": "u", "item_id": "m1", "kind": "like", "value": -3}, 422),
    ({"user_id": "u", "item_id": "m1", "kind": "rating", "value": True}, 422),
    ({"user_id": "u", "item_id": "m1", "kind": "rating", "value": 1e9}, 422),
    ({"user_id": "u", "item_id": "ghost", "kind": "like"}, 404),
    ({"user_id": "u", "kind": "like"}, 422),
])
def test_event_rejects_bad_input(client: TestClient, body: dict, code: int) -> None:
    r = client.post(f"{API}/events", json=body)
    assert r.status_code == code, r.text
    if code == 404:
        assert r.json()["ids"] == ["ghost"]
        assert client.get(f"{API}/users/u").status_code == 404  # nothing was written


def test_ratings_off_the_declared_scale_are_refused(tmp_path: Path) -> None:
    with TestClient(tiny_app(tmp_path, rating_range=(1, 5))) as c:
        assert c.post(f"{API}/events", json={"user_id": "r", "item_id": "m1", "kind": "rating",
                                             "value": 5}).status_code == 201
        r = c.post(f"{API}/events", json={"user_id": "r", "item_id": "m1", "kind": "rating", "value": 99})
        assert r.status_code == 422 and "outside the service's rating scale [1, 5]" in r.json()["detail"]
        r = c.post(f"{API}/events/batch", json={"events": [
            {"user_id": "r", "item_id": "m2", "kind": "rating", "value": 4},
            {"user_id": "r", "item_id": "m3", "kind": "rating", "value": -3}]})
        assert r.status_code == 422 and r.json()["detail"].startswith("events[1].value")
        assert len(c.get(f"{API}/users/r/events").json()["data"]) == 1  # the batch wrote nothing
    with pytest.raises(ValueError, match="lowest < highest"):
        tiny_settings(tmp_path, rating_range=(5, 1))


def test_a_nested_field_is_one_clear_error_and_a_list_of_numbers_is_fine(client: TestClient) -> None:
    r = client.post(f"{API}/items", json={"id": "n1", "fields": {"title": "Shoe", "size": {"eu": 42}}})
    assert r.status_code == 422
    errors = r.json()["detail"]
    assert len(errors) == 1 and "field 'size'" in errors[0]["msg"], errors
    r = client.post(f"{API}/items", json={"id": "n2", "fields": {"title": "Shoe", "sizes": [40, 41, 42.5]}})
    assert r.status_code == 201 and client.get(f"{API}/items/n2").json()["fields"]["sizes"] == [40, 41, 42.5]


def test_a_misspelt_query_parameter_is_refused(client: TestClient) -> None:
    """`?categry=` used to return the unfiltered list, which looks like a working filter."""
    client.put(f"{API}/users/q", json={"attributes": {"age": 9}})
    r = client.get(f"{API}/users/q/recommendations", params={"n": 2, "categry": "Horror"})
    assert r.status_code == 422
    assert "categry" in r.json()["detail"] and "category" in r.json()["detail"]
    ok = client.get(f"{API}/users/q/recommendations", params={"n": 2, "category": "Horror"})
    assert ok.status_code == 200
    assert client.get(f"{API}/items/m1/similar", params={"genre": "Horror"}).status_code == 422
    assert client.get("/health/ready", params={"verbose": 1}).status_code == 200  # probes stay lenient


def test_batch_with_an_unknown_item_writes_nothing(client: TestClient) -> None:
    r = client.post(f"{API}/events/batch", json={"events": [
        {"user_id": "w", "item_id": "m1", "kind": "like"},
        {"user_id": "w", "item_id": "ghost", "kind": "like"}]})
    assert r.status_code == 404
    assert client.get(f"{API}/users/w").status_code == 404


# -- recommendations -----------------------------------------------------------------------------------
def test_recommend_for_known_user_filters(client: TestClient) -> None:
    client.put(f"{API}/users/k", json={"attributes": {"age": 9}, "text": "animated children films"})
    r = client.get(f"{API}/users/k/recommendations", params={"n": 4})
    body = r.json()
    assert r.status_code == 200 and body["count"] == 4 and body["model_version"] == 0
    assert set(ids(body)[:2]) == {"m3", "m11"}
    assert all(x["source"] for x in body["data"]) and body["strategy"]
    r = client.get(f"{API}/users/k/recommendations", params={"category": "Documentary"}).json()
    assert set(ids(r)) == {"m7", "m8"}
    r = client.get(f"{API}/users/k/recommendations", params={"candidates": ["m1", "m4"], "n": 5}).json()
    assert set(ids(r)) == {"m1", "m4"}
    r = client.get(f"{API}/users/k/recommendations", params={"exclude": ["m3"], "n": 3}).json()
    assert "m3" not in ids(r)
    # every term is required; "field:value" names the field
    r = client.get(f"{API}/users/k/recommendations", params={"category": ["genres:animation", "Comedy"]}).json()
    assert ids(r) == ["m11"]
    assert client.get(f"{API}/users/k/recommendations", params={"category": "category:comedy"}).status_code == 422
    # a term no item carries is a typo until shown otherwise: 422 with the near misses
    r = client.get(f"{API}/users/k/recommendations", params={"category": "documentry"})
    assert r.status_code == 422 and r.json()["did_you_mean"][0] == "documentary"
    assert client.get(f"{API}/users/k/recommendations", params={"category": ""}).status_code == 422
    assert client.get(f"{API}/users/nobody/recommendations").status_code == 404
    assert client.get(f"{API}/users/k/recommendations", params={"n": 101}).status_code == 422
    assert client.get(f"{API}/users/k/recommendations", params={"candidates": ["ghost"]}).status_code == 404


def test_session_recommendations(client: TestClient) -> None:
    r = client.post(f"{API}/recommendations/session", json={"context": {"text": "space battle"}, "n": 2})
    assert ids(r.json())[0] == "m2" and r.json()["data"][0]["source"] == "text-match"
    assert "space battle" in r.json()["data"][0]["explanation"]
    r = client.post(f"{API}/recommendations/session", json={
        "context": {"items": ["m4", {"item_id": "m9", "kind": "dislike"}]}, "n": 3})
    got = ids(r.json())
    assert "m4" not in got and "m9" not in got and got[0] in {"m6", "m5"}
    r = client.post(f"{API}/recommendations/session", json={})  # nothing known: still a list
    assert r.status_code == 200 and r.json()["count"] == 10
    r = client.post(f"{API}/recommendations/session", json={
        "context": {"text": "love", "attributes": {"age": 30}}, "category": "comedy", "n": 5})
    assert set(ids(r.json())) <= {"m4", "m5", "m11"}
    bad = [({"context": {"items": ["ghost"]}}, 404), ({"context": {"mood": "happy"}}, 422),
           ({"n": 0}, 422),
           # a rating without its value would count as a dislike
           ({"context": {"items": [{"item_id": "m1", "kind": "rating"}]}}, 422),
           ({"context": {"items": [{"item_id": "m1", "kind": "rating", "value": 5}]}}, 200)]
    for body, code in bad:
        assert client.post(f"{API}/recommendations/session", json=body).status_code == code, body


def test_explain(client: TestClient) -> None:
    client.put(f"{API}/users/e", json={"attributes": {}, "text": "horror"})
    client.post(f"{API}/events", json={"user_id": "e", "item_id": "m9", "kind": "click"})
    client.post(f"{API}/events", json={"user_id": "e", "item_id": "m9", "kind": "like"})
    r = client.get(f"{API}/users/e/recommendations/m10/explain").json()  # two events, one item
    assert r["item"] == "m10" and r["rank"] == 1 and r["source"] and r["explanation"]
    assert r["evidence"]["history_items"] == 1 and r["evidence"]["contributions"]
    assert client.get(f"{API}/users/e/recommendations/m9/explain").json()["rank"] is None
    assert client.get(f"{API}/users/e/recommendations/ghost/explain").status_code == 404
    assert client.get(f"{API}/users/ghost/recommendations/m1/explain").status_code == 404
    r = client.post(f"{API}/recommendations/explain",
                    json={"context": {"text": "whales ocean"}, "item_id": "m8"}).json()
    listed = client.post(f"{API}/recommendations/session",
                         json={"context": {"text": "whales ocean"}, "n": 12}).json()
    assert r["rank"] == ids(listed).index("m8") + 1 and r["source"] == "text-match"
    assert r["score"] == pytest.approx(listed["data"][r["rank"] - 1]["score"])
    assert client.post(f"{API}/recommendations/explain", json={"item_id": "ghost"}).status_code == 404


def test_predict_likes_for_a_visitor(client: TestClient) -> None:
    """Yes/no answers: a visitor who liked the horror film and disliked a romance is more
    likely to like the other horror film than a romantic comedy, and a visitor who disliked
    most of what they saw is less likely to like either."""
    fan = {"items": [{"item_id": "m9", "kind": "like"}, {"item_id": "m6", "kind": "dislike"}]}
    r = client.post(f"{API}/recommendations/likes", json={"context": fan, "item_ids": ["m10", "m4"]})
    assert r.status_code == 200, r.text
    body = r.json()
    horror, romance = body["data"]
    assert body["count"] == 2 and horror["item"] == "m10" and horror["title"] == "Night Terror"
    assert horror["probability"] > romance["probability"] and horror["standing"] > romance["standing"]
    assert horror["source"] and "likes 1 of 2 picks" in horror["explanation"]
    assert isinstance(horror["crowd"], float), "the crowd's verdict is part of the answer"
    picky = {"items": [{"item_id": "m9", "kind": "like"}] +
             [{"item_id": i, "kind": "dislike"} for i in ("m4", "m5", "m6")]}
    grumpy = client.post(f"{API}/recommendations/likes", json={"context": picky, "item_ids": ["m10"]}).json()
    assert grumpy["data"][0]["like_rate"] < horror["like_rate"]
    missing = client.post(f"{API}/recommendations/likes", json={"item_ids": ["m1", "ghost"]})
    assert missing.status_code == 404 and "ghost" in missing.text
    assert client.post(f"{API}/recommendations/likes", json={"item_ids": []}).status_code == 422
    assert client.post(f"{API}/recommendations/likes", json={"items": ["m1"]}).status_code == 422


# -- models -----------------------------------------------------------------------------------------
def test_refit_swaps_model_and_keeps_serving(client: TestClient) -> None:
    for u in ("a", "b", "c"):
        client.post(f"{API}/events/batch", json={"events": [
            {"user_id": u, "item_id": "m1", "kind": "like"},
            {"user_id": u, "item_id": "m12", "kind": "like"}]})
    info = client.get(f"{API}/models/current").json()
    assert info["version"] == 0 and info["n_events"] == 6
    assert info["domain"] == "generic"  # the page words its examples by it
    r = client.post(f"{API}/models/refit", json={"wait": True})
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["path"]
    assert Path(r.json()["path"]).exists()
    # three users are too few to learn a hand-over from, and the model says so
    assert r.json()["handover"][0].startswith("hand-over: not learned (only ")
    # after refit, co-occurrence (the collaborative signal) links m1 and m12
    recs = client.post(f"{API}/recommendations/session",
                       json={"context": {"items": ["m1"]}, "n": 3}).json()
    assert ids(recs)[0] == "m12" and recs["model_version"] == 1
    assert "co-occurrence" in recs["strategy"]
    assert client.post(f"{API}/models/refit").status_code == 202
    assert client.post(f"{API}/models/refit", json={"wait": "sometimes"}).status_code == 422


# -- limits and keys ------------------------------------------------------------------------------------
def test_request_size_limit(tmp_path: Path) -> None:
    with TestClient(tiny_app(tmp_path, max_body_bytes=2048, max_batch=3)) as c:
        big = {"id": "big", "fields": {"description": "x" * 5000}}
        r = c.post(f"{API}/items", json=big)
        assert r.status_code == 413 and "larger than 2048" in r.json()["detail"]
        r = c.post(f"{API}/items/batch", json={"items": [{"id": f"i{k}"} for k in range(4)]})
        assert r.status_code == 422 and "at most 3" in r.json()["detail"]


def test_a_body_not_sent_as_json_is_refused_with_the_header_to_send(client: TestClient) -> None:
    body = b'{"context": {"text": "space"}, "n": 2}'
    for kind in ("text/plain", "application/x-www-form-urlencoded"):
        r = client.post(f"{API}/recommendations/session", content=body, headers={"content-type": kind})
        assert r.status_code == 415, kind
        assert "Content-Type: application/json" in r.json()["detail"] and repr(kind) in r.json()["detail"]
    for kind in ("application/json", "application/json; charset=utf-8", "application/merge-patch+json"):
        assert client.post(f"{API}/recommendations/session", content=body, headers={"content-type": kind}).status_code == 200
    # no type at all is read as JSON, as older FastAPI did (`requests.post(url, data=...)`)
    r = client.post(f"{API}/recommendations/session", content=body, headers={"content-type": ""})
    assert r.status_code == 200 and r.json()["count"] == 2, r.text
    assert client.post(f"{API}/models/refit").status_code == 202  # no body: nothing to declare
    # the same body through the page's own path (non-API routes are not checked)
    assert client.post("/", content=b"x", headers={"content-type": "text/plain"}).status_code == 405


def test_api_key_scopes(tmp_path: Path) -> None:
    keys = {"r-key": "read", "w-key": "write"}
    with TestClient(tiny_app(tmp_path, api_keys=keys)) as c:
        assert c.get(f"{API}/items/m1").status_code == 401
        assert c.get(f"{API}/items/m1", headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.get(f"{API}/items/m1", headers={"X-API-Key": "r-key"}).status_code == 200
        assert c.get(f"{API}/items/m1", headers={"Authorization": "Bearer w-key"}).status_code == 200
        new = {"id": "k1", "fields": {"title": "t"}}
        r = c.post(f"{API}/items", json=new, headers={"X-API-Key": "r-key"})
        assert r.status_code == 403 and "write" in r.json()["detail"]
        for path, body in [("/events", {"user_id": "u", "item_id": "m1", "kind": "like"}),
                           ("/models/refit", None), ("/users", {"id": "u"})]:
            assert c.post(f"{API}{path}", json=body, headers={"X-API-Key": "r-key"}).status_code == 403
        assert c.delete(f"{API}/items/m1", headers={"X-API-Key": "r-key"}).status_code == 403
        assert c.post(f"{API}/items", json=new, headers={"X-API-Key": "w-key"}).status_code == 201
        assert c.post(f"{API}/recommendations/session", json={}, headers={"X-API-Key": "r-key"}).status_code == 200
        assert c.get("/health/ready").status_code == 200 and c.get("/metrics").status_code == 200


# -- persistence ----------------------------------------------------------------------------------------
def test_restart_loses_nothing_acknowledged(tmp_path: Path) -> None:
    with TestClient(tiny_app(tmp_path)) as c:
        c.post(f"{API}/items", json={"id": "keep", "fields": {"title": "Keeper", "description": "volcano lava"}})
        c.put(f"{API}/users/p", json={"attributes": {"age": 40}, "text": "volcano"})
        c.post(f"{API}/events", json={"user_id": "p", "item_id": "m8", "kind": "like"})
        c.post(f"{API}/models/refit", json={"wait": True})
        c.post(f"{API}/events", json={"user_id": "p", "item_id": "m7", "kind": "like"})  # after the snapshot
        c.delete(f"{API}/items/m12")
        before = c.get(f"{API}/users/p/recommendations", params={"n": 5}).json()
    with TestClient(tiny_app(tmp_path)) as c:
        info = c.get(f"{API}/models/current").json()
        assert info["version"] == 1 and info["n_items"] == 12 and info["n_events"] == 2
        assert c.get(f"{API}/items/keep").status_code == 200
        assert c.get(f"{API}/items/m12").status_code == 404
        assert c.get(f"{API}/users/p/events").json()["count"] == 2
        after = c.get(f"{API}/users/p/recommendations", params={"n": 5}).json()
        assert ids(after) == ids(before)
        assert "keep" in ids(after)


def test_a_bad_row_already_in_the_store_does_not_stop_a_start_or_a_refit(tmp_path: Path) -> None:
    from dayone.storage import ItemRow, open_store

    with TestClient(tiny_app(tmp_path)) as c:
        assert c.get(f"{API}/items/m1").status_code == 200
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    store.upsert_items([ItemRow("   ", {"title": "written before the API refused it"}),
                        ItemRow(" pad", {"title": "a padded id an earlier version took"})])
    store.close()
    with TestClient(tiny_app(tmp_path)) as c:  # the change-log replay meets it
        assert c.get("/health/ready").status_code == 200
        r = c.post(f"{API}/models/refit", json={"wait": True})  # and so does a rebuild
        assert r.status_code == 200 and r.json()["last_refit_error"] is None
        assert c.post(f"{API}/recommendations/session", json={"context": {"text": "space"}}).status_code == 200
        assert c.delete(f"{API}/items/%20%20%20").status_code == 204, "its owner can still delete it"
        # the padded one is servable, as it was before ids were checked, and deletable in a batch
        assert c.get(f"{API}/models/current").json()["n_items"] == 13
        r = c.post(f"{API}/items/batch/delete", json={"ids": [" pad"]})
        assert r.status_code == 200 and r.json()["ids"] == [" pad"]


def test_two_processes_share_one_store(tmp_path: Path) -> None:
    """Two apps on one SQLite file stand in for two processes: each sees the other's writes
    through the change log (the PostgreSQL version is in test_service_postgres.py)."""
    import time

    with TestClient(tiny_app(tmp_path)) as a, TestClient(tiny_app(tmp_path)) as b:
        a.post(f"{API}/items", json={"id": "shared", "fields": {"title": "Glacier", "description": "ice glacier"}})
        a.post(f"{API}/events", json={"user_id": "s", "item_id": "m1", "kind": "like"})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            got = b.post(f"{API}/items/search", json={"text": "ice glacier", "n": 1}).json()
            if ids(got) == ["shared"] and b.get(f"{API}/users/s").json().get("n_events") == 1:
                break
            time.sleep(0.05)
        assert ids(got) == ["shared"]
        assert b.get(f"{API}/users/s").json()["n_events"] == 1
        # an event written in b on an item created in a
        assert b.post(f"{API}/events", json={"user_id": "t", "item_id": "shared", "kind": "like"}).status_code == 201
        assert len(TINY_CATALOG) + 1 == a.get(f"{API}/models/current").json()["n_items"]
