"""The Streamlit page without a browser: Streamlit's AppTest runs app.py for real."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The page on an empty database: SQLite, and a real PostgreSQL server (plain URL)."""
    monkeypatch.setenv("GEO_DB_URL", db_url.replace("postgresql+psycopg://", "postgresql://"))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    yield at
    st.cache_resource.clear()
    st.cache_data.clear()


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_fresh_database_shows_the_sample_article(app: AppTest):
    assert app.title[0].value == "Contested Map"
    assert "9 mentions of 3 places in 1 article." in captions(app)


def test_choosing_a_location_lists_its_quotes_with_speakers(app: AppTest):
    app.selectbox(key="location").set_value("philadelphi-corridor").run()
    assert not app.exception
    panel = " ".join(element.proto.body for element in app.get("html"))
    # 5 mentions in 4 sentences; one sentence quotes both Egypt and Netanyahu's office
    assert panel.count("class='cm-quote'") == 5
    assert "<b>Netanyahu&#x27;s office</b>" in panel
    assert "<mark>the corridor</mark>" in panel


def test_add_article_form_stores_and_reports(app: AppTest):
    app.text_input[0].input("Aid at Kerem Shalom")
    app.text_input[1].input("Test Wire")
    app.text_area[0].input("Trucks waited at the Kerem Shalom crossing on Monday.")
    app.button[0].click().run()
    assert not app.exception
    assert "Added 'Aid at Kerem Shalom': 1 mention" in app.success[0].value
    assert "10 mentions of 4 places in 2 articles" in captions(app)


def test_a_message_outlives_reruns_until_dismissed(app: AppTest):
    app.text_input[0].input("Aid at Kerem Shalom")
    app.text_area[0].input("Trucks waited at the Kerem Shalom crossing on Monday.")
    app.button(key="FormSubmitter:add-article-Add to map").click().run()
    app.run()  # the map reports its new view after the data changed: the page reruns by itself
    assert "Added 'Aid at Kerem Shalom'" in app.success[0].value
    app.button(key="dismiss-flash").click().run()
    assert not app.success
    assert "10 mentions of 4 places in 2 articles" in captions(app)


def test_a_new_message_replaces_the_old_one(app: AppTest):
    app.text_area[0].input("Trucks waited at the Kerem Shalom crossing on Monday.")
    app.button(key="FormSubmitter:add-article-Add to map").click().run()
    app.text_area(key="import_urls").input("/etc/passwd")
    app.button(key="FormSubmitter:import-Import").click().run()
    assert not app.success
    assert "Import: 0 stored" in app.warning[0].value


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_add_article_refuses_empty_text_and_keeps_what_is_stored(app: AppTest, text: str):
    app.text_input[0].input("Empty")
    app.text_area[0].input(text)
    app.button[0].click().run()
    assert "Not added" in app.error[0].value
    assert "9 mentions of 3 places in 1 article." in captions(app)


def open_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("GEO_DB_URL", f"sqlite:///{tmp_path / 'app.db'}")
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def test_link_opens_the_view_it_carries(tmp_path, monkeypatch):
    at = open_with(
        tmp_path,
        monkeypatch,
        locations="rafah-crossing",
        selected="rafah-crossing",
        basemap="osm",
        center="31.30000,34.25000",
        zoom="13",
    )
    assert not at.exception
    assert at.multiselect(key="f_locations").value == ["rafah-crossing"]
    assert at.radio(key="f_basemap").value == "osm"
    assert at.selectbox(key="location").value == "rafah-crossing"
    assert "3 mentions of 1 place in 1 article." in captions(at)
    link = " ".join(code.value for code in at.code)
    assert "locations=rafah-crossing" in link and "zoom=13" in link


def test_malformed_link_shows_a_notice_not_an_error(tmp_path, monkeypatch):
    at = open_with(tmp_path, monkeypatch, zoom="abc", since="2024-13-45", foo="<b>x</b>")
    assert not at.exception
    notices = " ".join(text.value for text in at.text)
    assert "zoom" in notices and "since" in notices and "'foo'" in notices
    assert "9 mentions of 3 places in 1 article." in captions(at)


def test_changing_a_filter_updates_the_url(app: AppTest):
    app.multiselect(key="f_locations").set_value(["philadelphi-corridor"]).run()
    assert app.query_params["locations"] == "philadelphi-corridor"


def test_import_box_takes_urls_and_reports_each_item(app: AppTest, monkeypatch):
    from tests.httpserver import LocalServer

    monkeypatch.setenv("GEO_ALLOW_PRIVATE_URLS", "1")
    page = (
        "<html><head><title>Crossing shut again</title></head><body><article>"
        "<h1>Crossing shut again</h1><p>Egyptian officials said the Rafah crossing stayed "
        "closed on Monday while trucks waited at the Kerem Shalom crossing.</p>"
        "<p>Relief groups said the queues grew longer through the day.</p></article></body></html>"
    )
    with LocalServer() as server:
        good = server.add("/story.html", page)
        urls = f"{good}\n{server.url('/image.png')}\n{server.url('/missing')}\n/etc"
        app.text_area(key="import_urls").input(urls)
        app.button(key="FormSubmitter:import-Import").click().run()
    assert not app.exception
    assert "Import: 1 stored, 0 new versions, 0 duplicates, 3 failed." in app.warning[0].value
    lines = " ".join(text.value for text in app.text)
    assert "/image.png" in lines and "/missing" in lines
    assert "✗ /etc:" in lines  # the server never reads its own files for a URL box line
    assert "11 mentions of 4 places in 2 articles" in captions(app)


def _netzarim_tooltip(at: AppTest) -> str:
    """The Netzarim Corridor's hover text in the map the page drew."""
    import re

    (html,) = [e.proto.json_args for e in at.get("component_instance")]
    return re.findall(r"Netzarim Corridor \\\\u2014 [^\"]*", html)[0]


@pytest.mark.parametrize(
    ("as_of", "until"), [("2024-03-01", "2024-07-01"), ("2024-08-01", "2025-02-09")]
)
def test_as_of_draws_the_version_in_force_that_day(tmp_path, monkeypatch, as_of, until):
    at = open_with(tmp_path, monkeypatch, as_of=as_of)
    assert not at.exception
    assert at.date_input(key="f_as_of").value == dt.date.fromisoformat(as_of)
    assert f"(until {until})" in _netzarim_tooltip(at)
    link = " ".join(code.value for code in at.code)
    assert f"as_of={as_of}" in link


def test_as_of_before_the_sample_counts_no_mentions(tmp_path, monkeypatch):
    at = open_with(tmp_path, monkeypatch, as_of="2024-08-01")  # the sample is of 2024-08-23
    assert not at.exception
    assert "0 mentions of 0 places in 0 articles." in captions(at)
