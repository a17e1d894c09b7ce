"""The page in accounts mode: nothing before sign-in; viewers look, editors change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.desk.accounts import Accounts
from geo.store.database import Store

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def accounts_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    monkeypatch.setenv("GEO_DB_URL", url)
    monkeypatch.setenv("GEO_AUTH_MODE", "accounts")
    with Store(url) as store:
        accounts = Accounts(store)
        accounts.add("viewer@desk.example", PASSWORD, "viewer")
        accounts.add("editor@desk.example", PASSWORD, "editor")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield url
    st.cache_resource.clear()
    st.cache_data.clear()


def signed_in(email: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The page in a browser holding ``email``'s session cookie (as the sign-in form sets it)."""
    with Store() as store:
        token = Accounts(store).start_session(email, dt.timedelta(hours=1))
    monkeypatch.setattr("geo.web.signin.session_token", lambda: token)
    return AppTest.from_file(APP, default_timeout=60).run()


def expanders(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


def test_nothing_of_the_data_before_sign_in(accounts_db):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert not at.button and [b.label for b in at.get("link_button")] == ["Sign in again"]
    assert not at.caption or all("mentions of" not in c.value for c in at.caption)
    assert not at.get("iframe") and not at.selectbox


def test_viewer_sees_the_map_but_no_editing_control(accounts_db, monkeypatch):
    at = signed_in("viewer@desk.example", monkeypatch)
    assert not at.exception
    assert any("9 mentions of 3 places" in c.value for c in at.caption)
    assert "Add article" not in expanders(at) and "Import files or URLs" not in expanders(at)
    at.selectbox(key="location").set_value("rafah-crossing").run()
    assert not any(label.startswith("Review") for label in expanders(at))


def test_editor_gets_add_import_and_review(accounts_db, monkeypatch):
    at = signed_in("editor@desk.example", monkeypatch)
    assert {"Add article", "Import files or URLs"} <= set(expanders(at))
    at.selectbox(key="location").set_value("rafah-crossing").run()
    assert "Review 3 mentions" in expanders(at)


def test_only_an_admin_reads_the_audit_log_and_it_names_who_reviewed(accounts_db, monkeypatch):
    from geo.desk.accounts import User
    from geo.desk.reviews import Reviews

    for email in ("viewer@desk.example", "editor@desk.example"):
        at = signed_in(email, monkeypatch)
        assert at.radio(key="f_page").options == ["Map", "Articles"]
    with Store() as store:
        Accounts(store).add("admin@desk.example", PASSWORD, "admin", actor="editor@desk.example")
        mention = store.quotes("rafah-crossing", limit=1).iloc[0]
        editor = User("editor@desk.example", "editor")
        key = (mention.article_id, mention.location_id, int(mention.start), int(mention.end))
        Reviews(store).review(editor, *key, "rejected")
    at = signed_in("admin@desk.example", monkeypatch)
    assert at.radio(key="f_page").options == ["Map", "Articles", "Audit log"]
    at.radio(key="f_page").set_value("Audit log").run()
    assert not at.exception
    (table,) = at.dataframe
    rows = table.value.to_dict("records")
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("editor@desk.example", "mention.review"),
        ("editor@desk.example", "account.add"),
        ("command line", "account.add"),  # the fixture's two accounts
        ("command line", "account.add"),
    ]
    assert '"status": "rejected"' in rows[0]["after"]
    at.selectbox(key="audit_action").set_value("account.add").run()
    assert {r["action"] for r in at.dataframe[0].value.to_dict("records")} == {"account.add"}
    assert [b.label for b in at.get("download_button")] == ["Export as CSV"]
