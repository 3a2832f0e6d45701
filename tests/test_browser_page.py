"""The web page in a real headless Chromium: a new visitor's onboarding and an operator's
new-item flow, checked by what the page shows. A screenshot is kept as an artifact."""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DAYONE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("DAYONE_ARTIFACTS", tempfile.gettempdir())) / "dayone-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
                       reason="Chromium not installed (apt-get install -y chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
         "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from dayone.service.testing import tiny_app

    port = _free_port()
    app = tiny_app(tmp_path_factory.mktemp("browser"))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                        access_log=False, lifespan="on"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=FLAGS, headless=True)
        yield b
        b.close()


def test_onboarding_and_new_item(server: str, browser: object) -> None:
    expect = sync_api.expect
    page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/")

    # the grid of items to pick from and an initial (cold) list are shown
    grid = page.get_by_test_id("grid")
    expect(grid.locator("button.card")).to_have_count(12)
    expect(page.get_by_test_id("recs").locator("li")).to_have_count(10)

    # typing what you like updates the list live, with a reason per item
    page.get_by_test_id("likes").fill("horror ghosts haunted house")
    first = page.get_by_test_id("recs").locator("li").first
    expect(first).to_contain_text("Haunted Manor")
    expect(first.locator(".source")).to_have_text("text-match")
    expect(first.locator(".why")).to_contain_text("matches your description")
    expect(page.get_by_test_id("strategy")).to_contain_text("text-match")
    # each item also says how likely the visitor is to like it, and why (on hover): the
    # best match stands higher than the last item on the list
    chances = page.get_by_test_id("recs").locator("li .chance")
    expect(chances).to_have_count(10)
    # with nothing picked yet the answer is said to be a guess
    expect(chances.first).to_have_text(re.compile(r"^\d{1,3}% likely to like \(first guess\)$"))
    expect(chances.first).to_have_attribute("title", re.compile("first guess.*rank", re.S))
    first_pct, last_pct = (int(chances.nth(i).inner_text().split("%")[0]) for i in (0, 9))
    assert first_pct > last_pct

    # picking items updates the list too: the picked one disappears, its neighbour rises
    page.get_by_test_id("likes").fill("")
    grid.locator("button.card", has_text="Galaxy Kids").click()
    expect(grid.locator("button.card[aria-pressed=true]")).to_have_count(1)
    recs = page.get_by_test_id("recs")
    expect(recs.locator("li").first).to_contain_text("Toy Friends")
    expect(recs.locator("li[data-item=m3]")).to_have_count(0)  # Galaxy Kids itself
    expect(recs.locator("li").first.locator(".why")).to_contain_text("Galaxy Kids")
    # the picks are listed wherever the grid has moved to, and each can be removed there
    expect(page.get_by_test_id("picks").locator("button.chip")).to_have_count(1)
    expect(page.get_by_test_id("picks")).to_contain_text("Galaxy Kids")
    expect(recs.locator("li .chance").first).to_have_text(re.compile(r"% likely to like \(early guess\)$"))

    # a listed item can be judged where it stands: "not for me" takes it off the list, and
    # the next list is asked with that dislike
    second = recs.locator("li").nth(1)
    judged = second.get_attribute("data-item")
    second.locator("button.judge[data-kind=dislike]").click()
    expect(recs.locator(f"li[data-item={judged}]")).to_have_count(0)
    expect(page.get_by_test_id("picks").locator("button.chip.not")).to_have_count(1)
    page.get_by_test_id("picks").locator("button.chip.not").click()  # and undone from its chip
    expect(page.get_by_test_id("picks").locator("button.chip")).to_have_count(1)

    # the category filter restricts the candidates
    page.get_by_test_id("category").select_option("documentary")
    expect(recs.locator("li")).to_have_count(2)
    page.get_by_test_id("category").select_option("")

    # the visitor saves a profile, becoming a known user
    page.get_by_test_id("likes").fill("animated toys for children")
    page.get_by_test_id("user-id").fill("visitor-1")
    page.get_by_test_id("save-user").click()
    expect(page.get_by_test_id("save-status")).to_have_text("saved visitor-1 with 1 likes")
    # saving again sends no like twice
    page.get_by_test_id("save-user").click()
    expect(page.get_by_test_id("save-status")).to_have_text("saved visitor-1 with 0 likes (1 saved before)")
    events = page.request.get(server + "/api/v1/users/visitor-1/events").json()
    assert events["count"] == 1, events

    # the operator adds a new item and sees which users it reaches
    page.get_by_test_id("new-id").fill("toy2")
    page.get_by_test_id("new-title").fill("Toy Friends 2")
    page.get_by_test_id("new-description").fill("animated toys adventure for children")
    page.get_by_test_id("new-category").fill("Animation|Children")
    page.get_by_test_id("add-item").click()
    expect(page.get_by_test_id("add-status")).to_contain_text("added toy2")
    # a generic catalogue: the page's examples name no films, and the category is saved where
    # the generic description template reads it
    expect(page.get_by_test_id("likes")).to_have_attribute("placeholder", "e.g. what you are looking for, in your own words")
    assert page.request.get(server + "/api/v1/items/toy2").json()["fields"]["category"] == "Animation|Children"
    reach = page.get_by_test_id("reach").locator("li")
    expect(reach.first).to_contain_text("visitor-1")
    expect(reach.first.locator(".source")).to_have_text("profile-match")
    expect(page.get_by_test_id("similar").locator("li").first).to_contain_text("Toy Friends")
    # "add" never replaces an item that exists: the form says so and the item is untouched
    page.get_by_test_id("new-id").fill("toy2")
    page.get_by_test_id("new-title").fill("Oops")
    page.get_by_test_id("add-item").click()
    expect(page.get_by_test_id("add-status")).to_contain_text("already exists")
    assert page.request.get(server + "/api/v1/items/toy2").json()["fields"]["title"] == "Toy Friends 2"

    # and the new item is recommendable at once: the visitor's live list now shows it
    page.get_by_test_id("likes").fill("animated toys adventure for children")
    expect(recs).to_contain_text("Toy Friends 2")
    expect(recs.locator("li").first.locator(".why")).to_contain_text("adventure")

    # the operator can see how the serving model weighs its strategies: the tiny catalogue
    # was built with no events, so it has learned no hand-over, and the page says so
    page.get_by_test_id("model").locator("summary").click()
    expect(page.get_by_test_id("model-version")).to_contain_text("model version 0")
    expect(page.get_by_test_id("handover")).to_contain_text("hand-over: none (no interactions")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "service-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == []
    page.close()


def test_page_reports_api_errors(server: str, browser: object) -> None:
    """A failing call shows a readable message instead of a blank page, and a list that
    answers an earlier question is marked as such."""
    expect = sync_api.expect
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server + "/")
    page.get_by_test_id("new-id").fill("bad\u0001id")
    page.get_by_test_id("new-title").fill("x")
    page.get_by_test_id("add-item").click()
    expect(page.get_by_test_id("add-status")).to_contain_text("422: id:")
    recs = page.get_by_test_id("recs")
    expect(recs.locator("li")).to_have_count(10)
    page.route("**/api/v1/recommendations/session", lambda route: route.fulfill(status=500, body="boom"))
    page.get_by_test_id("likes").fill("space")
    expect(page.get_by_test_id("error")).to_have_text("500: server error")
    expect(recs).to_have_class(re.compile("stale"))
    page.unroute("**/api/v1/recommendations/session")
    page.get_by_test_id("likes").fill("space battle")
    expect(page.get_by_test_id("error")).to_have_text("")
    expect(recs).not_to_have_class(re.compile("stale"))
    page.close()


def test_a_pick_removed_from_the_catalogue_is_dropped_not_stuck(server: str, browser: object) -> None:
    expect = sync_api.expect
    page = browser.new_page()  # type: ignore[attr-defined]
    page.request.post(server + "/api/v1/items", data={"id": "gone-soon", "fields": {"title": "Gone Soon"}})
    page.goto(server + "/")
    page.get_by_test_id("grid").locator("button.card[data-item=gone-soon]").click()
    expect(page.get_by_test_id("picks")).to_contain_text("Gone Soon")
    assert page.request.delete(server + "/api/v1/items/gone-soon").status == 204
    page.get_by_test_id("likes").fill("space")
    expect(page.get_by_test_id("error")).to_contain_text("no longer in the catalogue were dropped")
    expect(page.get_by_test_id("picks").locator("button.chip")).to_have_count(0)
    expect(page.get_by_test_id("recs").locator("li")).to_have_count(10)
    page.close()
