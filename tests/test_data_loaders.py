"""Loaders: every bad input names its file, row and field; good input loads in every format."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from dayone.data import (
    Catalog,
    DataError,
    InteractionMapping,
    ItemMapping,
    UserMapping,
    load_interactions,
    load_items,
    load_users,
    preference,
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_with_mapping(tmp_path: Path) -> None:
    f = write(tmp_path / "items.csv", "sku,name,tags,price\nA1,Red kettle,kitchen|tea,20.5\nB2,Blue mug,kitchen,\n")
    cat = load_items(f, ItemMapping(id="sku", text=["name"], categorical=["tags"], numeric=["price"]))
    assert cat.ids == ["A1", "B2"]
    assert cat.fields("A1") == {"name": "Red kettle", "tags": ["kitchen", "tea"], "price": 20.5}
    assert cat.fields("B2")["price"] is None


def test_jsonl_gz_and_parquet_agree(tmp_path: Path) -> None:
    recs = [{"id": "1", "title": "a", "year": 1999}, {"id": "2", "title": "b", "year": 2001}]
    gz = tmp_path / "items.jsonl.gz"
    gz.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in recs).encode()))
    pq = tmp_path / "items.parquet"
    pd.DataFrame(recs).to_parquet(pq)
    assert load_items(gz).records() == load_items(pq).records()


@pytest.mark.parametrize(
    ("content", "row", "field", "message"),
    [
        ("id,title\n1,a\n,b\n", 2, "id", "empty value"),
        ("id,title\n1,a\n1,b\n", 2, "id", "duplicate item id"),
        ("id,title,price\n1,a,cheap\n", 1, "price", "expected a number"),
        ("id,title\n1,a,extra\n", 1, None, "expected 2 columns"),
    ],
)
def test_item_errors_name_row_and_field(tmp_path: Path, content: str, row: int, field: str | None, message: str) -> None:
    f = write(tmp_path / "items.csv", content)
    mapping = ItemMapping(numeric=["price"]) if "price" in content else ItemMapping()
    with pytest.raises(DataError, match=message) as err:
        load_items(f, mapping)
    assert err.value.file == str(f)
    assert err.value.row == row
    assert err.value.field == field


def test_missing_mapped_column(tmp_path: Path) -> None:
    f = write(tmp_path / "items.csv", "id,title\n1,a\n")
    with pytest.raises(DataError, match="missing column") as err:
        load_items(f, ItemMapping(text=["description"]))
    assert err.value.field == "description"


def test_wrong_encoding_is_reported_with_row(tmp_path: Path) -> None:
    f = write(tmp_path / "items.csv", "id,title\n1,ok\n2,Caf\u00e9\n", encoding="latin-1")
    with pytest.raises(DataError, match="not valid utf-8") as err:
        load_items(f)
    assert err.value.row == 2
    assert load_items(f, encoding="latin-1").fields("2")["title"] == "Caf\u00e9"


def test_bad_json_line(tmp_path: Path) -> None:
    f = write(tmp_path / "items.jsonl", '{"id": "1"}\n{"id": 2,}\n')
    with pytest.raises(DataError, match="invalid JSON") as err:
        load_items(f)
    assert err.value.row == 2


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unsupported"):
        load_items(write(tmp_path / "items.xlsx", "x"))
    with pytest.raises(DataError, match="not found"):
        load_items(tmp_path / "nope.csv")


def test_interactions_signals_and_unknown_items(tmp_path: Path) -> None:
    cat = Catalog.from_records([{"id": "a"}, {"id": "b"}])
    f = write(tmp_path / "ev.csv", "uid,iid,stars,plays,thumb,when\nu1,a,5,,,10\nu1,b,,3,,11\nu2,a,,,false,12\n")
    m = InteractionMapping(user="uid", item="iid", rating="stars", weight="plays", liked="thumb", ts="when")
    df = load_interactions(f, m, cat)
    assert list(df.columns) == ["user", "item", "rating", "weight", "liked", "ts"]
    assert df.loc[0, "rating"] == 5 and df.loc[1, "weight"] == 3 and df.loc[2, "liked"] == 0.0
    pref = preference(df)
    assert pref[0] > 0 and pref[1] > 0 and pref[2] < 0
    bad = write(tmp_path / "bad.csv", "uid,iid,stars,plays,thumb,when\nu1,a,5,,,10\nu1,zzz,4,,,11\n")
    with pytest.raises(DataError, match="unknown item 'zzz'") as err:
        load_interactions(bad, m, cat)
    assert (err.value.row, err.value.field) == (2, "iid")
    neg = write(tmp_path / "neg.csv", "uid,iid,stars,plays,thumb,when\nu1,a,,-3,,10\n")
    with pytest.raises(DataError, match="weight must be >= 0"):
        load_interactions(neg, m, cat)
    flag = write(tmp_path / "flag.csv", "uid,iid,stars,plays,thumb,when\nu1,a,,,maybe,10\n")
    with pytest.raises(DataError, match="true/false") as err:
        load_interactions(flag, m, cat)
    assert err.value.field == "thumb"


def test_users_flat_and_nested(tmp_path: Path) -> None:
    flat = write(tmp_path / "users.csv", "uid,age,job,bio\n1,24,writer,likes noir\n")
    users = load_users(flat, UserMapping(id="uid", text="bio"))
    profile = users.get("1")
    assert profile is not None and profile.attributes == {"age": "24", "job": "writer"} and profile.text == "likes noir"
    nested = write(tmp_path / "users.jsonl", '{"id": "7", "attributes": {"age": 30}}\n{"id": "7"}\n')
    with pytest.raises(DataError, match="duplicate user id") as err:
        load_users(nested)
    assert err.value.row == 2


@pytest.mark.parametrize(("line", "field", "message"), [
    ('{"id": "u1", "text": 5}', "text", "text must be a string"),
    ('{"id": "u1", "attributes": {"age": {"deep": 1}}}', "age", "string, number, true/false, date"),
    ('{"id": "u1", "attributes": [1, 2]}', "attributes", "attributes must be an object"),
    ('{"id": "u1", "job": [{"a": 1}]}', "job", "string, number, true/false, date"),
])
def test_user_values_that_no_profile_can_hold_are_refused(tmp_path: Path, line: str, field: str, message: str) -> None:
    f = write(tmp_path / "users.jsonl", '{"id": "u0", "age": 30}\n' + line + "\n")
    with pytest.raises(DataError, match=message) as err:
        load_users(f)
    assert (err.value.row, err.value.field, err.value.file) == (2, field, str(f))


def test_profiles_that_loaded_before_still_load(tmp_path: Path) -> None:
    import datetime
    import decimal

    f = write(tmp_path / "users.jsonl", '{"id": "u1", "attributes": null, "age": 30}\n'
                                         '{"id": "u2", "languages": ["en", "fr"]}\n')
    users = load_users(f)
    assert users.get("u1").attributes == {"age": 30} and users.get("u2").attributes == {"languages": ["en", "fr"]}
    csv = write(tmp_path / "users.csv", "id,attributes\nu1,premium\n")
    assert load_users(csv).get("u1").attributes == {"attributes": "premium"}
    frame = pd.DataFrame({"id": ["u1", "u2"], "signup": [pd.Timestamp("2024-05-01"), pd.NaT],
                          "born": [datetime.date(1990, 1, 2), None]})
    frame.to_parquet(tmp_path / "users.parquet")
    got = load_users(tmp_path / "users.parquet")
    assert got.get("u1").attributes == {"signup": "2024-05-01T00:00:00", "born": "1990-01-02"}
    assert got.get("u2").attributes == {}
    items = pd.DataFrame({"id": [decimal.Decimal("1"), decimal.Decimal("2")], "title": ["a", "b"]})
    items.to_parquet(tmp_path / "items.parquet")
    assert load_items(tmp_path / "items.parquet").ids == ["1", "2"]


def test_a_mapped_signal_column_that_no_row_has_is_refused(tmp_path: Path) -> None:
    cat = Catalog.from_records([{"id": "a"}])
    f = write(tmp_path / "ev.csv", "user,item,stars\nu1,a,5\n")
    with pytest.raises(DataError, match="no row has this column") as err:
        load_interactions(f, InteractionMapping(rating="score"), cat)
    assert err.value.field == "score" and "rating" in str(err.value)
    # a sparse JSON Lines log where only some rows carry it is fine
    sparse = write(tmp_path / "ev.jsonl", '{"user": "u1", "item": "a"}\n{"user": "u2", "item": "a", "score": 4}\n')
    assert load_interactions(sparse, InteractionMapping(rating="score"), cat)["rating"].notna().sum() == 1


def test_ratings_and_weights_of_absurd_size_are_refused(tmp_path: Path) -> None:
    cat = Catalog.from_records([{"id": "a"}])
    f = write(tmp_path / "ev.csv", "user,item,stars\nu1,a,4\nu2,a,1e308\n")
    with pytest.raises(DataError, match="within") as err:
        load_interactions(f, InteractionMapping(rating="stars"), cat)
    assert (err.value.row, err.value.field) == (2, "stars")


def test_an_unknown_text_encoding_is_named(tmp_path: Path) -> None:
    f = write(tmp_path / "items.csv", "id,title\n1,a\n")
    with pytest.raises(DataError, match="unknown text encoding 'nope'") as err:
        load_items(f, encoding="nope")
    assert err.value.file == str(f)


@pytest.mark.parametrize("value", ["true", '{"a": 1}', "[1]", "1.5", "NaN"])
def test_ids_that_no_one_could_ask_for_are_refused(tmp_path: Path, value: str) -> None:
    f = write(tmp_path / "items.jsonl", '{"id": 7.0, "title": "a"}\n{"id": ' + value + ', "title": "b"}\n')
    with pytest.raises(DataError, match="an id is a string or a whole number") as err:
        load_items(f)
    assert (err.value.row, err.value.field) == (2, "id")
    assert load_items(write(tmp_path / "ok.jsonl", '{"id": 7.0}\n{"id": 8}\n')).ids == ["7", "8"]


def test_a_semicolon_separated_csv_gets_a_hint(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="';'-separated") as err:
        load_items(write(tmp_path / "semi.csv", "id;title\n1;a\n"))
    assert (err.value.row, err.value.field) == (1, "id")


def test_a_byte_order_mark_and_an_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "excel.csv"
    f.write_bytes(b"\xef\xbb\xbfid,title\n1,a\n")
    assert load_items(f).ids == ["1"]
    with pytest.raises(DataError, match="no items"):
        load_items(write(tmp_path / "empty.csv", ""))
    with pytest.raises(DataError, match="no items"):
        load_items(write(tmp_path / "header.csv", "id,title\n"))


def test_unknown_mapping_keys_rejected() -> None:
    with pytest.raises(ValueError):
        ItemMapping.model_validate({"id": "x", "txt": ["a"]})


def test_clear_likes_are_the_top_of_the_scale_not_above_its_midpoint() -> None:
    """`preference` calls a 3 of 5 a weak like (right for reading a visitor's picks); as a
    *target* a like must be clear: 4+ of 5 by default, the configured threshold when given,
    an explicit flag always, and any implicit engagement."""
    from dayone.data.interactions import liked_mask

    nan = float("nan")
    df = pd.DataFrame(
        {
            "rating": [1.0, 3.0, 3.5, 4.0, 5.0, nan, nan, nan, 2.0],
            "weight": [nan, nan, nan, nan, nan, 7.0, nan, nan, nan],
            "liked": [nan, nan, nan, nan, nan, nan, 1.0, 0.0, 1.0],
        }
    )
    assert (preference(df)[1:5] > 0).all(), "the midpoint rule counts 3 and up"
    assert liked_mask(df).tolist() == [False, False, False, True, True, True, True, False, True]
    assert liked_mask(df, rating_threshold=3.5).tolist()[:5] == [False, False, True, True, True]
    # the default cut follows the log's own scale: 0-10 -> 7.5
    ten = pd.DataFrame({"rating": [0.0, 7.0, 8.0, 10.0], "weight": [nan] * 4, "liked": [nan] * 4})
    assert liked_mask(ten).tolist() == [False, False, True, True]


def test_times_may_be_iso_8601_text_or_unix_seconds(tmp_path: Path) -> None:
    """A log exported from a database carries ISO times; they become Unix seconds (UTC when
    no zone is named, as the service reads its events), and a time that is neither says where."""
    f = write(tmp_path / "log.csv", "user,item,ts\nu,a,2017-03-01T10:00:00\nu,b,2017-03-01T11:00:00+01:00\n"
                                    "u,c,2017-03-01\nu,d,1488362400\nu,e,2017-03-01T10:00:00Z\n")
    df = load_interactions(f, InteractionMapping(ts="ts"))
    assert df["ts"].tolist() == [1488362400.0, 1488362400.0, 1488326400.0, 1488362400.0, 1488362400.0]
    bad = write(tmp_path / "bad.csv", "user,item,ts\nu,a,1488362400\nu,b,yesterday\n")
    with pytest.raises(DataError, match="Unix seconds or ISO 8601") as err:
        load_interactions(bad, InteractionMapping(ts="ts"))
    assert err.value.row == 2 and err.value.field == "ts"


def test_a_chinese_export_is_told_to_read_as_gb18030(tmp_path: Path) -> None:
    """Read as latin-1 (the old hint), a GBK file "loads" as garbled text."""
    f = write(tmp_path / "news.csv", "id,title\nn1,国产芯片量产\nn2,央行下调存款准备金率\n", encoding="gbk")
    with pytest.raises(DataError, match=r"e\.g\. gb18030") as err:
        load_items(f)
    assert err.value.row == 1
    assert load_items(f, encoding="gb18030").title("n1") == "国产芯片量产"
    western = write(tmp_path / "films.csv", "id,title\n1,Caf\u00e9 \u00e0 Paris\n", encoding="latin-1")
    with pytest.raises(DataError, match=r"e\.g\. latin-1"):
        load_items(western)


def test_a_missing_id_column_lists_the_columns_there_are(tmp_path: Path) -> None:
    f = write(tmp_path / "news.csv", "编号,标题\nn1,国产芯片量产\n")
    with pytest.raises(DataError, match="the file's columns: 编号, 标题") as err:
        load_items(f)
    assert err.value.field == "id"
    # the Chinese title column names the item in lists and explanations
    assert load_items(f, ItemMapping(id="编号")).title("n1") == "国产芯片量产"


def test_naming_categorical_columns_keeps_the_others(tmp_path: Path) -> None:
    """`--categorical kind` says how that column reads, not that the title should go."""
    f = write(tmp_path / "items.csv", "id,title,kind,price\n1,Rocket,space|sci-fi,3\n")
    fields = load_items(f, ItemMapping(categorical=["kind"], numeric=["price"])).fields("1")
    assert fields == {"title": "Rocket", "kind": ["space", "sci-fi"], "price": 3.0}
    # naming text columns still chooses what is described
    only = load_items(f, ItemMapping(text=["title"], categorical=["kind"])).fields("1")
    assert only == {"title": "Rocket", "kind": ["space", "sci-fi"]}


def test_common_column_names_of_exports_are_recognised_and_the_rest_named(tmp_path: Path) -> None:
    """A MovieLens `timestamp` or a shop's `customer_id,sku,qty,event_time` used to be dropped
    without a word (file order taken as time, every rating a like)."""
    f = write(tmp_path / "shop.csv",
              "customer_id,sku,qty,event_time,channel\nc1,a,2,2024-01-02T10:00:00Z,web\nc2,b,1,2024-01-03T10:00:00Z,app\n")
    df = load_interactions(f)
    assert df["user"].tolist() == ["c1", "c2"] and df["item"].tolist() == ["a", "b"]
    assert df["weight"].tolist() == [2.0, 1.0] and df["ts"].notna().all()
    notes = " / ".join(df.attrs["notes"])
    assert "'customer_id'" in notes and "'event_time'" in notes and "channel" in notes
    ml = load_interactions(write(tmp_path / "ml.csv", "userId,movieId,rating,timestamp\n1,10,4,964982703\n"))
    assert ml["ts"].tolist() == [964982703.0] and ml["rating"].tolist() == [4.0]
    # a role the mapping names is kept as given, even where a recognised name exists
    named = load_interactions(f, InteractionMapping(user="customer_id", item="sku", weight=None, ts="event_time"))
    assert named["user"].tolist() == ["c1", "c2"]


def test_an_interactions_file_without_rows_is_an_error(tmp_path: Path) -> None:
    for name, text in (("empty.csv", ""), ("header.csv", "user,item,rating\n")):
        with pytest.raises(DataError, match="no interaction rows") as err:
            load_interactions(write(tmp_path / name, text))
        assert err.value.file and err.value.file.endswith(name)


def test_one_stray_rating_does_not_move_every_like() -> None:
    """The default like threshold reads the scale past the rarest 0.1% at each end: a single
    -3 among thousands of 1-5 ratings used to turn every 3 into a like."""
    import numpy as np

    from dayone.data.interactions import default_like_threshold
    from dayone.rankers.base import default_like_threshold as bench_threshold

    ratings = np.tile(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 400)
    assert default_like_threshold(ratings) == 4.0 and bench_threshold(ratings) == 4.0
    stray = np.append(ratings, -3.0)
    assert default_like_threshold(stray) == 4.0 and bench_threshold(stray) == 4.0
    # a small log keeps its plain ends
    assert default_like_threshold(np.array([-3.0, 1.0, 5.0])) == 3.0


def test_a_recognised_column_that_does_not_read_is_left_out_with_a_note(tmp_path: Path) -> None:
    """A shop's `Quantity` holds returns as negative numbers and a `time` column may hold
    "10:00" next to a `date`: guesses by name must not fail a load that read fine before."""
    f = write(tmp_path / "retail.csv",
              "customer_id,sku,quantity,date,time\nc1,a,2,2024-01-02,10:00\nc2,b,-1,2024-01-03,11:30\n")
    df = load_interactions(f)
    assert df["weight"].isna().all() and df["ts"].notna().all()  # `date` came first and reads
    notes = " / ".join(df.attrs["notes"])
    assert "'quantity' looked like the weight column but is not used: row 2 holds '-1'" in notes
    only_time = load_interactions(write(tmp_path / "t.csv", "user,item,time\nu,a,10:00\n"))
    assert only_time["ts"].isna().all() and "'time' looked like the ts column" in " ".join(only_time.attrs["notes"])
    # a column the mapping names still fails loudly
    with pytest.raises(DataError) as err:
        load_interactions(f, InteractionMapping(user="customer_id", item="sku", weight="quantity"))
    assert (err.value.row, err.value.field) == (2, "quantity")


def test_times_in_milliseconds_are_read_as_such(tmp_path: Path) -> None:
    df = load_interactions(write(tmp_path / "ms.csv", "user,item,timestamp\nu,a,1700000000000\nu,b,1700000060000\n"))
    assert df["ts"].tolist() == [1700000000.0, 1700000060.0]
    assert any("milliseconds" in n for n in df.attrs["notes"])


def test_profiles_keyed_like_the_interactions_user_column_load(tmp_path: Path) -> None:
    from dayone.evaluation.datasets import load_files

    write(tmp_path / "items.csv", "id,title\na,A\nb,B\n")
    write(tmp_path / "events.csv", "user_id,item_id,rating\nu1,a,5\nu2,b,3\n")
    write(tmp_path / "users.csv", "user_id,age\nu1,30\nu2,40\n")
    data = load_files(tmp_path / "events.csv", tmp_path / "items.csv", tmp_path / "users.csv")
    assert len(data.users) == 2 and data.interactions["user"].tolist() == ["u1", "u2"]
