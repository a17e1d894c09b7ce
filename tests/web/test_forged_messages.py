"""Hand-forged websocket messages: a viewer sends the widget values an editor's page would.

The real app runs in accounts mode; sessions speak Streamlit's own protocol with no browser
(:mod:`tests.streamlit_client`), so a message can carry widgets its page never drew. Each forged
change is first made by an editor the same way, so the message is known to work: the viewer's
copy must change nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState

from geo.desk.accounts import Accounts
from geo.desk.reviews import Reviews
from geo.store.database import Store
from tests.appserver import running_app
from tests.streamlit_client import RunResult, StreamlitSession

pytestmark = pytest.mark.browser  # a real app server, like the browser tests

PASSWORD = "correct horse battery staple"
PLACE = "rafah-crossing"


@dataclass(frozen=True)
class Team:
    url: str
    db_url: str
    editor: str  # session tokens
    viewer: str


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    folder = tmp_path_factory.mktemp("forged")
    db_url = f"sqlite:///{folder / 'team.db'}"
    with Store(db_url) as store:
        accounts = Accounts(store)
        accounts.add("viewer@desk.example", PASSWORD, "viewer")
        accounts.add("editor@desk.example", PASSWORD, "editor")
        editor = accounts.start_session("editor@desk.example", dt.timedelta(days=1))
        viewer = accounts.start_session("viewer@desk.example", dt.timedelta(days=1))
    with running_app(db_url, folder / "streamlit.log", env={"GEO_AUTH_MODE": "accounts"}) as url:
        yield Team(url, db_url, editor, viewer)


def run_as(team: Team, token: str, *messages: list[WidgetState]) -> list[RunResult]:
    """Open a signed-in session on the rafah-crossing view; run it once, then per message."""

    async def session() -> list[RunResult]:
        cookies = {"cm_session": token}
        async with StreamlitSession(team.url, cookies=cookies, query=f"selected={PLACE}") as s:
            results = [await s.run()]
            for widgets in messages:
                results.append(await s.run(widgets))
            return results

    return asyncio.run(session())


def widget_id(result: RunResult, kind: str, label: str) -> str:
    """The id of the widget of ``kind`` whose label starts with ``label``."""
    widgets = [getattr(element, kind) for element in result.widgets(kind)]
    found = [widget.id for widget in widgets if widget.label.startswith(label)]
    assert len(found) == 1, f"{kind} {label!r}: {found!r}"
    return str(found[0])


def review_table_id(result: RunResult) -> str:
    (found,) = [e.dataframe.id for e in result.widgets("dataframe") if e.dataframe.id]
    return str(found)


def text_state(widget: str, value: str) -> WidgetState:
    return WidgetState(id=widget, string_value=value)


def trigger(widget: str) -> WidgetState:
    return WidgetState(id=widget, trigger_value=True)


def reject_first_row(table: str) -> WidgetState:
    edit = {"edited_rows": {"0": {"review": "rejected"}}, "added_rows": [], "deleted_rows": []}
    return WidgetState(id=table, string_value=json.dumps(edit))


def stored_titles(team: Team) -> set[str]:
    with Store(team.db_url) as store:
        rows, _ = store.search_articles(None, limit=500)
    return set(rows["title"])


def review_count(team: Team) -> int:
    with Store(team.db_url) as store:
        return len(Reviews(store).reviews_for())


def labels(result: RunResult) -> set[str]:
    return {
        getattr(e, kind).label
        for e in result.elements
        if (kind := e.WhichOneof("type")) and hasattr(getattr(e, kind), "label")
    }


def add_article_message(form: RunResult, title: str) -> list[WidgetState]:
    text = "Talks stalled again over the Rafah crossing, officials said on Monday."
    return [
        text_state(widget_id(form, "text_input", "Title"), title),
        text_state(widget_id(form, "text_area", "Article text"), text),
        trigger(widget_id(form, "button", "Add to map")),
    ]


def element_kinds(result: RunResult) -> set[str]:
    return {str(e.WhichOneof("type")) for e in result.elements}


def test_a_viewer_forging_the_add_article_form_adds_nothing(team: Team) -> None:
    (editor_page,) = run_as(team, team.editor)
    forged = add_article_message(editor_page, "Forged by a viewer")
    viewer_page, after = run_as(team, team.viewer, forged)
    assert "Title" not in labels(viewer_page)  # the viewer's page has no form to send
    assert after.status == "finished" and not after.exceptions
    assert "Forged by a viewer" not in stored_titles(team)

    _, added = run_as(team, team.editor, add_article_message(editor_page, "Sent by an editor"))
    assert "Sent by an editor" in stored_titles(team)  # the same message, sent by an editor, works
    assert not added.exceptions


def test_a_viewer_forging_a_review_saves_nothing(team: Team) -> None:
    (editor_page,) = run_as(team, team.editor)
    table = review_table_id(editor_page)
    _, edited = run_as(team, team.editor, [reject_first_row(table)])
    save = widget_id(edited, "button", "Save 1 reviews")
    before = review_count(team)

    viewer_page, after = run_as(team, team.viewer, [reject_first_row(table), trigger(save)])
    assert "dataframe" not in element_kinds(viewer_page) or not any(
        e.dataframe.id for e in viewer_page.widgets("dataframe")
    )
    assert after.status == "finished" and not after.exceptions
    assert review_count(team) == before

    run_as(team, team.editor, [reject_first_row(table)], [reject_first_row(table), trigger(save)])
    assert review_count(team) == before + 1  # the same messages, sent by an editor, save it


def test_a_signed_out_socket_cannot_send_anything(team: Team) -> None:
    async def connect() -> None:
        async with StreamlitSession(team.url, cookies={"cm_session": "made-up"}) as s:
            await s.run()

    with pytest.raises(Exception) as refused:
        asyncio.run(connect())
    assert (
        "1008" in str(refused.value) or "401" in str(refused.value) or "403" in str(refused.value)
    ), refused.value


def test_the_forged_values_never_reach_the_viewers_widgets(team: Team) -> None:
    """A forged value for a widget the page never drew is dropped, not kept for later."""
    (editor_page,) = run_as(team, team.editor)
    forged = add_article_message(editor_page, "Kept for later")
    _, after, again = run_as(team, team.viewer, forged, [])
    assert not after.exceptions and not again.exceptions
    assert "Kept for later" not in stored_titles(team)
    assert not any(
        e.WhichOneof("type") == "text_input" and e.text_input.value == "Kept for later"
        for e in again.elements
    )
