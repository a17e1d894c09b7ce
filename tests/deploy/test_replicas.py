"""Two app replicas on one PostgreSQL database, as deploy/README.md's "Scaling out" runs them.

Two real ``streamlit run app.py`` processes share one database, with the built-in accounts of a
team install. An editor adds an article in replica A; a viewer whose page is open on replica B
sees it on that page's next rerun, although B drew (and cached) the map before the write. Then
deploy/nginx.conf runs in front of both, and every request of one browser (page, scripts,
websocket, the map's frame) reaches the one replica that holds its session.

Skips when PostgreSQL cannot be started, or Chromium is missing, unless ``CI`` is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, running_app
from tests.deploy.test_deploy import HOSTNAME, require_nginx, running_nginx

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "correct horse battery staple"
EDITOR, VIEWER = "editor@desk.example", "viewer@desk.example"
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
SUMMARY = re.compile(r"(\d+) mentions? of (\d+) places? in (\d+) articles?\.")
TITLE = "Patrols return to the Philadelphi Corridor"


@dataclass(frozen=True)
class Replicas:
    a: str
    b: str


@pytest.fixture(scope="module")
def replicas(
    postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Replicas]:
    """Replicas A and B of the app, each its own process, on one new PostgreSQL database."""
    import psycopg

    from geo.desk.accounts import Accounts
    from geo.store.database import Store

    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "geo_replicas"')
        conn.execute('CREATE DATABASE "geo_replicas"')
    db_url = postgres_server_url.rsplit("/", 1)[0] + "/geo_replicas"
    with Store(db_url) as store:
        Accounts(store).add(EDITOR, PASSWORD, "editor")
        Accounts(store).add(VIEWER, PASSWORD, "viewer")
    folder = tmp_path_factory.mktemp("replicas")
    env = {"GEO_AUTH_MODE": "accounts", "GEO_TRUSTED_PROXIES": "127.0.0.1,::1"}  # behind nginx
    with (
        running_app(db_url, folder / "replica-a.log", env=env) as a,
        running_app(db_url, folder / "replica-b.log", env=env) as b,
    ):
        yield Replicas(a, b)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # map.example.org is this machine, for the pages opened through nginx.
    resolve = f"--host-resolver-rules=MAP {HOSTNAME} 127.0.0.1"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, resolve]
        )
        yield browser
        browser.close()


def open_page(browser, url: str, **context_options):  # type: ignore[no-untyped-def]
    """A fresh browser (own cookies) on ``url``: its first run there starts on the server."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, **context_options)
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    return context, page


def sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in on the page's sign-in screen and wait for the map."""
    page.get_by_label("Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(MAP_FRAME, timeout=60_000)


def summary(page) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """The caption under the map: (mentions, places, articles)."""
    caption = page.get_by_text(SUMMARY)
    caption.wait_for(timeout=30_000)
    match = SUMMARY.search(caption.inner_text())
    assert match is not None
    mentions, places, articles = map(int, match.groups())
    return mentions, places, articles


def test_an_article_added_on_one_replica_shows_on_the_other(browser, replicas: Replicas):
    viewer_context, on_b = open_page(browser, replicas.b)
    editor_context, on_a = open_page(browser, replicas.a)  # both replicas warm up at once
    sign_in(on_b, VIEWER)
    _, _, articles = summary(on_b)  # B has drawn, and cached, the map before the write
    assert articles == 1  # the sample article, stored by the replica that came first

    sign_in(on_a, EDITOR)
    on_a.get_by_text("Add article").click()
    on_a.get_by_label("Title", exact=True).fill(TITLE)
    on_a.get_by_label("Source", exact=True).fill("Replica Wire")
    on_a.get_by_label("Article text").fill(
        "Israeli troops patrolled the Philadelphi Corridor again on Tuesday, "
        "witnesses on the Egyptian side of the border said."
    )
    on_a.get_by_role("button", name="Add to map").click()
    on_a.get_by_text(f"Added {TITLE!r}").wait_for(timeout=30_000)
    assert summary(on_a)[2] == articles + 1

    # B's open page: its next rerun (a filter on the place) reads the new revision from the
    # database. The sample and the new article both name the place.
    on_b.get_by_label("Locations").click()
    on_b.get_by_role("option", name="Philadelphi Corridor", exact=True).click()
    on_b.keyboard.press("Escape")
    filtered = re.compile(rf"mentions? of 1 place in {articles + 1} articles\.")
    on_b.get_by_text(filtered).wait_for(timeout=30_000)
    on_b.get_by_label("Quotes for").click()
    on_b.get_by_role("option", name="Philadelphi Corridor", exact=True).click()
    on_b.locator(".cm-quote cite", has_text=TITLE).first.wait_for(timeout=30_000)
    for context in (viewer_context, editor_context):
        context.close()


def test_a_sign_in_on_one_replica_holds_on_the_other(browser, replicas: Replicas):
    context, on_a = open_page(browser, replicas.a)
    sign_in(on_a, VIEWER)
    on_b = context.new_page()  # the session lives in the shared database, not in replica A
    on_b.goto(replicas.b, wait_until="domcontentloaded")
    on_b.wait_for_selector(MAP_FRAME, timeout=60_000)
    assert on_b.get_by_label("Email").count() == 0
    context.close()


def test_one_browser_reaches_one_replica_through_nginx(browser, replicas: Replicas, tmp_path: Path):
    require_nginx()
    ports = [int(url.rsplit(":", 1)[1]) for url in (replicas.a, replicas.b)]
    with running_nginx(tmp_path, ports) as proxy:
        url = f"https://{HOSTNAME}:{proxy.https_port}/"
        context, page = open_page(browser, url, ignore_https_errors=True)
        sign_in(page, VIEWER)
        frame = page.wait_for_selector(MAP_FRAME, timeout=30_000).content_frame()
        assert frame is not None
        frame.wait_for_selector("path.leaflet-interactive", timeout=30_000)
        summary(page)
        cookies = {cookie["name"] for cookie in context.cookies()}
        context.close()
    log = proxy.access_log.read_text(encoding="utf-8").splitlines()  # complete: nginx stopped
    assert "cm_replica" in cookies
    websockets = [line for line in log if '"GET /_stcore/stream ' in line]
    assert websockets and all(line.startswith("101 ") for line in websockets), log
    upstreams = {line.split()[1] for line in log}
    assert len(log) > 5 and len(upstreams) == 1, log
    assert upstreams <= {f"127.0.0.1:{port}" for port in ports}
