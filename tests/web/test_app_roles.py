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
