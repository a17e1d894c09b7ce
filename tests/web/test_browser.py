"""End to end in headless Chromium: the real app, the sample on the map, a click, a new article."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.appserver import CHROMIUM, CHROMIUM_ARGS, running_app

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

FIND_LAYER_JS = """
(name) => {
  const map = Object.values(window).find((v) => v instanceof L.Map);
  let found = null;
  map.eachLayer((layer) => {
    const tip = layer.getTooltip && layer.getTooltip();
    if (!found && tip && String(tip.getContent()).startsWith(name) && layer.getLatLng) {
      found = map.latLngToContainerPoint(layer.getLatLng());
    }
  });
  return found && {x: found.x, y: found.y};
}
"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    with running_app(f"sqlite:///{folder / 'app.db'}", folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def open_map(browser, url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(url, wait_until="domcontentloaded")
    frame_element = page.wait_for_selector(
        "iframe[title='streamlit_folium.st_folium']", timeout=60_000
    )
    frame = frame_element.content_frame()
    frame.wait_for_selector("path.leaflet-interactive", timeout=30_000)
    return page, frame, failed


def test_sample_layers_drawn_and_rafah_quote_opens(browser, app_url, tmp_path):
    page, frame, failed = open_map(browser, app_url, tmp_path)
    paths = frame.locator("path.leaflet-interactive")
    assert paths.count() >= 5  # 2 corridors + 3 points at least
    assert frame.locator(".leaflet-control-layers-overlays label").count() >= 5
    point = frame.evaluate(FIND_LAYER_JS, "Rafah crossing")
    assert point, "Rafah crossing marker not found on the map"
    box = frame_element_box(page)
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert "Rafah crossing" in popup.inner_text()
    assert popup.locator("mark", has_text=re.compile("Rafah")).count() >= 1
    page.get_by_text(re.compile(r"mentions?; newest first")).wait_for(timeout=15_000)
    page.locator(".cm-quote").first.wait_for(timeout=15_000)
    assert page.locator(".cm-quote").count() >= 2
    assert page.locator(".cm-quote mark", has_text="Rafah border crossing").count() >= 1
    page.screenshot(path=str(tmp_path / "map.png"))
    assert not [u for u in failed if not u.startswith(app_url)], failed


def test_first_screen_map_is_big_labelled_and_the_junction_answers_its_click(
    browser, app_url, tmp_path
):
    page, frame, _ = open_map(browser, app_url, tmp_path)
    box = frame_element_box(page)
    assert box["height"] >= 700 and box["width"] >= 600  # of a 1400 x 1000 window
    labels = {text.strip() for text in frame.locator(".cm-label").all_inner_texts()}
    assert {"Gaza", "Khan Yunis", "Rafah", "EGYPT", "ISRAEL"} <= labels
    point = frame.evaluate(FIND_LAYER_JS, "Netzarim Junction")
    assert point, "Netzarim Junction marker not found on the map"
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert popup.inner_text().startswith("Netzarim Junction")  # not the corridor around it
    page.get_by_role("heading", name="Netzarim Junction").wait_for(timeout=15_000)


def test_rafah_quotes_by_speaker_each_link_to_the_article(browser, app_url, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/?selected=rafah-crossing", wait_until="domcontentloaded")
    page.get_by_text(re.compile(r"mentions?; newest first")).first.wait_for(timeout=60_000)
    page.get_by_text("By speaker").click()
    groups = page.locator(".cm-speaker")
    # The panel is drawn again by the reruns the click starts (the map reports its view after
    # each run): read the groups once they stand.
    deadline = time.monotonic() + 20
    heads: list[str] = []
    while time.monotonic() < deadline:
        heads = [text.strip() for text in page.locator(".cm-speaker h4").all_inner_texts()]
        if "Egypt" in heads and "The article's own voice" in heads:
            break
        page.wait_for_timeout(300)
    assert "Egypt" in heads and "The article's own voice" in heads, heads
    links = page.locator(".cm-speaker .cm-quote a[target='_blank'][rel='noopener noreferrer']")
    assert links.count() >= groups.count()
    assert links.first.get_attribute("href").startswith("https://www.aa.com.tr/")
    page.screenshot(path=str(tmp_path / "speakers.png"))


def test_searching_the_articles_finds_the_sample_and_opens_it_marked(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("iframe[title='streamlit_folium.st_folium']", timeout=60_000)
    page.get_by_text("Articles", exact=True).click()
    search = page.get_by_label("Search the articles")
    search.fill("Philadelphi")
    search.press("Enter")
    page.get_by_text(re.compile(r"\d+ articles? match")).wait_for(timeout=20_000)
    cell = page.locator("[role=gridcell]", has_text="Gaza cease-fire talks moving forward")
    cell.first.wait_for(state="attached")  # the grid draws on a canvas; its cells are for a11y
    page.locator("[data-testid=stSelectbox]").last.click()
    page.get_by_role("option", name="Gaza cease-fire talks moving forward: White House").click()
    marks = page.locator(".cm-article mark")
    marks.first.wait_for(timeout=20_000)
    assert marks.count() >= 9
    original = page.locator(".cm-article a[target='_blank'][rel='noopener noreferrer']")
    assert original.get_attribute("href").startswith("https://www.aa.com.tr/")


def test_article_added_through_the_form_reaches_the_map(browser, app_url, tmp_path):
    page, _frame, _ = open_map(browser, app_url, tmp_path)
    page.get_by_text("Add article").click()
    page.get_by_label("Title", exact=True).fill("Crossing reopens <img src=x onerror=alert(1)>")
    page.get_by_label("Source", exact=True).fill("Test Wire")
    page.get_by_label("Article text").fill(
        "Egyptian officials said the Kerem Shalom crossing would reopen on Sunday. "
        "Aid trucks queued at Karem Abu Salem overnight."
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Add to map").click()
    page.get_by_text("2 mentions of contested places").wait_for(timeout=20_000)
    point = poll_map(page, "Kerem Shalom crossing — 2 mentions")
    assert point, "Kerem Shalom crossing does not show the new article's 2 mentions"
    assert dialogs == []


def poll_map(page, name: str, seconds: float = 30) -> dict | None:  # type: ignore[no-untyped-def]
    """Find a layer by tooltip, re-reading the map's frame: a new map replaces the old one."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            frame = page.locator("iframe[title='streamlit_folium.st_folium']").element_handle()
            point = frame.content_frame().evaluate(FIND_LAYER_JS, name) if frame else None
        except sync_api.Error:
            point = None
        if point:
            return point
        time.sleep(0.5)
    return None


def frame_element_box(page) -> dict[str, float]:  # type: ignore[no-untyped-def]
    box = page.locator("iframe[title='streamlit_folium.st_folium']").bounding_box()
    assert box is not None
    return box


PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def team_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from geo.desk.accounts import Accounts
    from geo.store.database import Store

    folder = tmp_path_factory.mktemp("team")
    db_url = f"sqlite:///{folder / 'team.db'}"
    with Store(db_url) as store:
        Accounts(store).add("viewer@desk.example", PASSWORD, "viewer")
        Accounts(store).add("editor@desk.example", PASSWORD, "editor")
    env = {"GEO_AUTH_MODE": "accounts"}
    with running_app(db_url, folder / "streamlit.log", env=env) as url:
        yield url


def sign_in(browser, url: str, email: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_label("Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("iframe[title='streamlit_folium.st_folium']", timeout=60_000)
    return context, page


def test_viewer_and_editor_side_by_side(browser, team_url):
    viewer_context, viewer = sign_in(browser, team_url, "viewer@desk.example")
    editor_context, editor = sign_in(browser, team_url, "editor@desk.example")
    editor.get_by_text("Add article").wait_for(timeout=15_000)
    assert viewer.get_by_text("Signed in as viewer@desk.example (viewer)").is_visible()
    assert viewer.get_by_text("Add article").count() == 0
    assert viewer.get_by_text("Import files or URLs").count() == 0
    anonymous = browser.new_page()
    anonymous.goto(team_url, wait_until="domcontentloaded")
    anonymous.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    assert anonymous.locator("iframe[title='streamlit_folium.st_folium']").count() == 0
    for context in (viewer_context, editor_context):
        context.close()
    anonymous.close()


def test_a_sign_in_lasts_across_reload_tab_and_shared_link_until_sign_out(browser, team_url):
    asked = f"{team_url}/?locations=rafah-crossing"
    context, page = sign_in(browser, asked, "viewer@desk.example")
    assert "locations=rafah-crossing" in page.url  # back to the view the link asked for
    page.get_by_text("3 mentions of 1 place in 1 article.").wait_for(timeout=30_000)
    (session,) = [c for c in context.cookies() if c["name"] == "cm_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert session["expires"] > time.time() + 13 * 86400  # 14 days by default, not the tab's life
    assert "cm_session" not in page.evaluate("document.cookie")  # no script can read it

    page.reload(wait_until="domcontentloaded")
    page.get_by_text("3 mentions of 1 place in 1 article.").wait_for(timeout=60_000)
    assert page.get_by_label("Email").count() == 0
    tab = context.new_page()  # a colleague's shared link, opened in a new tab
    tab.goto(f"{team_url}/?locations=netzarim-junction", wait_until="domcontentloaded")
    tab.get_by_text("1 mention of 1 place in 1 article.").wait_for(timeout=60_000)
    assert tab.get_by_label("Email").count() == 0

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("Your sign-in has ended").wait_for(timeout=30_000)
    tab.reload(wait_until="domcontentloaded")  # the other tab is signed out too
    tab.get_by_label("Email").wait_for(timeout=30_000)
    assert "/auth/sign-in" in tab.url
    assert tab.locator("iframe[title='streamlit_folium.st_folium']").count() == 0
    context.close()


def test_copied_link_opens_the_same_view_in_a_fresh_browser(browser, app_url, tmp_path):
    page, _frame, _ = open_map(browser, app_url, tmp_path)
    page.get_by_label("Locations").click()
    page.get_by_role("option", name="Rafah crossing").click()
    page.keyboard.press("Escape")
    page.get_by_text("3 mentions of 1 place in 1 article.").wait_for(timeout=20_000)
    code = page.locator("[data-testid='stCode'] code", has_text="locations=rafah-crossing")
    code.wait_for(timeout=20_000)
    link = code.inner_text().replace("\n", "")
    assert "locations=rafah-crossing" in link
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
    other = fresh.new_page()
    other.goto(link, wait_until="domcontentloaded")
    other.get_by_text("3 mentions of 1 place in 1 article.").wait_for(timeout=60_000)
    fresh.close()
    page.close()


def test_files_uploaded_in_the_app_are_imported_and_bad_ones_reported(browser, app_url, tmp_path):
    archive = tmp_path / "desk.jsonl"
    archive.write_text(
        '{"title": "Junction closed", "text": "Troops closed the Netzarim Junction on Monday '
        'and turned cars back toward the coast road.", "source": "Desk", '
        '"published": "2024-09-02"}\n{"title": "broken line"\n',
        encoding="utf-8",
    )
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    page, _frame, _ = open_map(browser, app_url, tmp_path)
    page.get_by_text("Import files or URLs").click()
    page.locator("input[type='file']").set_input_files([str(archive), str(png)])
    page.get_by_text("photo.txt").wait_for(timeout=15_000)
    page.get_by_role("button", name="Import").click()
    page.get_by_text("Import: 1 stored").wait_for(timeout=30_000)
    report = page.get_by_text("Import: 1 stored").inner_text()
    assert "2 failed" in report
    assert page.get_by_text("desk.jsonl:2").count() >= 1
    assert page.get_by_text("photo.txt").count() >= 1
    page.wait_for_timeout(2_000)  # the map reports its new view and the page reruns by itself
    assert page.get_by_text("Import: 1 stored").is_visible()
    page.get_by_role("button", name="Dismiss").click()
    page.get_by_text("Import: 1 stored").wait_for(state="detached", timeout=15_000)
    page.close()


def test_the_view_exports_download_and_the_html_map_opens_offline(browser, app_url, tmp_path):
    import pyogrio

    page, _, _ = open_map(browser, app_url + "/?locations=rafah-crossing", tmp_path)
    files = {}
    for label in (
        "Mentions (CSV)",
        "Places (GeoJSON)",
        "Places and mentions (GeoPackage)",
        "Map to publish (HTML, works offline)",
        "Map for print (PNG)",
    ):
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=label).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[path.suffix] = path
    assert set(files) == {".csv", ".geojson", ".gpkg", ".html", ".png"}
    assert files[".png"].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    header, *rows = files[".csv"].read_text(encoding="utf-8").splitlines()
    assert header.startswith("article_id,location_id,surface")
    assert rows and all(",rafah-crossing," in row for row in rows)  # the view's filter applies
    features = json.loads(files[".geojson"].read_text(encoding="utf-8"))["features"]
    rafah = next(f for f in features if f["properties"]["location_id"] == "rafah-crossing")
    assert rafah["properties"]["count"] == len(rows)
    assert [name for name, _ in pyogrio.list_layers(files[".gpkg"])] == ["places", "mentions"]
    assert len(pyogrio.read_dataframe(files[".gpkg"], layer="mentions")) == len(rows)

    offline = browser.new_context(offline=True)
    published = offline.new_page()
    published.goto(files[".html"].as_uri())
    published.wait_for_selector("path.leaflet-interactive", timeout=30_000)
    offline.close()
    page.close()


@pytest.fixture(scope="module")
def two_weeks_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sample (2024-08-23) and one later article (2024-09-10), stored before the app starts."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("timeline")
    db_url = f"sqlite:///{folder / 'app.db'}"
    later = {
        "title": "Rafah crossing reopens for the wounded",
        "text": "Egypt reopened the Rafah crossing for the wounded on Tuesday, officials said.",
        "source": "Wire",
        "published": "2024-09-10",
    }
    (folder / "later.jsonl").write_text(json.dumps(later) + "\n", encoding="utf-8")
    sample = Path(__file__).resolve().parents[2] / "data/samples/anadolu-2024-08-23-gaza-talks.txt"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "ingest", str(sample), str(folder / "later.jsonl"),
         "--published", "2024-08-23", "--workers", "1"],
        env={**os.environ, "GEO_DB_URL": db_url}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with running_app(db_url, folder / "streamlit.log") as url:
        yield url


def test_clicking_a_week_in_the_timeline_filters_the_map_to_it(browser, two_weeks_url, tmp_path):
    page, _, _ = open_map(browser, two_weeks_url, tmp_path)
    page.get_by_text("10 mentions of 3 places in 2 articles.").wait_for(timeout=30_000)
    bars = page.locator(".vega-embed svg path[aria-roledescription='bar']")
    bars.first.wait_for(timeout=30_000)
    later_week = page.locator(
        ".vega-embed svg path[aria-roledescription='bar'][aria-label*='2024-09-09']"
    )
    later_week.first.click()
    page.get_by_text("1 mention of 1 place in 1 article.").wait_for(timeout=30_000)
    assert "since=2024-09-09" in page.url and "until=2024-09-15" in page.url
    page.close()


def test_rejecting_a_mention_drops_the_count_and_the_audit_log_names_who(browser, tmp_path):
    """Local mode (the local admin): reject one Rafah mention in the review table, save, see
    the map count one fewer, and read the change in the audit log."""
    from geo.web.signin import LOCAL_USER

    folder = tmp_path / "review"
    folder.mkdir()
    with running_app(f"sqlite:///{folder / 'app.db'}", folder / "streamlit.log") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/?selected=rafah-crossing", wait_until="domcontentloaded")
        page.get_by_text("9 mentions of 3 places in 1 article.").wait_for(timeout=60_000)
        page.get_by_text("Review 3 mentions").click()
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.wait_for(timeout=20_000)
        save = page.get_by_role("button", name="Save 1 reviews")
        saved = page.get_by_text("Saved 1 review.")
        for _ in range(5):  # the grid is a canvas, and a rerun may redraw it or the button
            if not save.count():  # (again) choose "rejected" in the first row's Review cell
                grid.scroll_into_view_if_needed()
                page.wait_for_timeout(500)
                box = grid.bounding_box()
                assert box is not None
                page.keyboard.press("Escape")
                page.mouse.dblclick(box["x"] + 50, box["y"] + 52)
                try:
                    page.get_by_text("rejected", exact=True).first.click(timeout=5_000)
                except sync_api.TimeoutError:
                    continue
            try:
                save.first.click(timeout=5_000)
                saved.wait_for(timeout=10_000)
                break
            except sync_api.TimeoutError:
                continue
        saved.wait_for(timeout=10_000)
        page.get_by_text("8 mentions of 3 places in 1 article.").wait_for(timeout=30_000)

        page.get_by_text("Audit log", exact=True).click()
        page.get_by_role("heading", name="Audit log").wait_for(timeout=30_000)
        table = page.locator("[data-testid='stDataFrame']").first
        table.wait_for(timeout=20_000)
        page.get_by_text("The newest 1 change, newest first.").wait_for(timeout=10_000)
        page.screenshot(path=str(tmp_path / "audit.png"))
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="Export as CSV").click()
        exported = tmp_path / "audit.csv"
        download.value.save_as(exported)
        header, row = exported.read_text(encoding="utf-8").splitlines()
        assert header == "at,actor,action,target,before,after"
        assert f",{LOCAL_USER.email},mention.review," in row and "rejected" in row
        page.close()
