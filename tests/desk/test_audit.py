"""The audit log: reviews and account changes written with who, when, before and after."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from geo.desk import audit
from geo.desk.accounts import AccountError, Accounts
from geo.desk.audit import AuditLog
from geo.desk.reviews import Reviews
from geo.store.database import Store
from tests.desk.test_reviews import ARTICLE, EDITOR, OTHER, RAFAH, VIEWER, find_mentions

WHEN = dt.datetime(2024, 9, 2, 10, 30, tzinfo=dt.UTC)
PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as opened:
        for article in (ARTICLE, OTHER):
            opened.ingest(article, find_mentions(article))
        yield opened


def _entries(store: Store, **filters: str) -> list[dict[str, object]]:
    frame = AuditLog(store).entries(**filters)
    return [
        {**row, "before": json.loads(row["before"]) if row["before"] else None,
         "after": json.loads(row["after"]) if row["after"] else None}
        for row in frame.to_dict("records")
    ]  # fmt: skip


def test_a_review_is_logged_with_the_status_before_and_after(store: Store) -> None:
    reviews = Reviews(store, clock=lambda: WHEN)
    reviews.review(EDITOR, *RAFAH, "confirmed")
    reviews.review(EDITOR, *RAFAH, "rejected", note="the town, not the crossing")
    newest, first = _entries(store)
    assert first["action"] == newest["action"] == "mention.review"
    assert first["actor"] == EDITOR.email and first["at"] == WHEN
    assert first["target"] == f"{RAFAH[0]} {RAFAH[1]} {RAFAH[2]}-{RAFAH[3]}"
    assert (first["before"], first["after"]) == (None, {"status": "confirmed", "note": None})
    assert newest["before"] == {"status": "confirmed", "note": None}
    assert newest["after"] == {"status": "rejected", "note": "the town, not the crossing"}


def test_a_refused_review_logs_nothing(store: Store) -> None:
    from geo.desk.accounts import PermissionDenied

    with pytest.raises(PermissionDenied):
        Reviews(store, clock=lambda: WHEN).review(VIEWER, *RAFAH, "rejected")
    with pytest.raises(ValueError):
        Reviews(store, clock=lambda: WHEN).review(EDITOR, ARTICLE.id, "nowhere", 0, 1, "rejected")
    assert _entries(store) == []


def test_account_changes_are_logged_and_never_hold_a_password(store: Store) -> None:
    accounts = Accounts(store, clock=lambda: WHEN)
    accounts.add("desk@news.example", PASSWORD, "viewer", actor="admin@news.example")
    accounts.set_role("desk@news.example", "editor", actor="admin@news.example")
    accounts.set_password("desk@news.example", PASSWORD + "!", actor="admin@news.example")
    accounts.set_disabled("desk@news.example", True)  # from the command line
    accounts.remove("desk@news.example", actor="admin@news.example")
    logged = list(reversed(_entries(store)))
    assert [(e["action"], e["actor"]) for e in logged] == [
        ("account.add", "admin@news.example"),
        ("account.set_role", "admin@news.example"),
        ("account.set_password", "admin@news.example"),
        ("account.disable", "command line"),
        ("account.remove", "admin@news.example"),
    ]
    assert logged[1]["before"] == {"role": "viewer", "disabled": False}
    assert logged[1]["after"] == {"role": "editor", "disabled": False}
    assert logged[2]["after"] == {"role": "editor", "disabled": False, "password": "changed"}
    assert logged[4]["after"] is None
    with store.engine.connect() as conn:
        texts = conn.execute(sa.text("SELECT coalesce(before, '') || coalesce(after, '') "
                                     "FROM audit_log")).scalars().all()  # fmt: skip
    assert not any(PASSWORD in text or "$argon2" in text for text in texts)


def test_a_change_to_no_account_logs_nothing(store: Store) -> None:
    with pytest.raises(AccountError):
        Accounts(store).set_role("nobody@news.example", "editor")
    assert _entries(store) == []


def test_entries_filter_by_person_and_action_newest_first(store: Store) -> None:
    accounts = Accounts(store, clock=lambda: WHEN)
    accounts.add("a@news.example", PASSWORD, "viewer", actor="admin@news.example")
    Reviews(store, clock=lambda: WHEN + dt.timedelta(hours=1)).review(EDITOR, *RAFAH, "confirmed")
    assert [e["action"] for e in _entries(store)] == ["mention.review", "account.add"]
    assert [e["action"] for e in _entries(store, actor=EDITOR.email)] == ["mention.review"]
    assert [e["actor"] for e in _entries(store, action="account.add")] == ["admin@news.example"]
    assert AuditLog(store).actors() == ["admin@news.example", EDITOR.email]


@pytest.mark.parametrize("limit", [0, audit.MAX_ENTRIES + 1])
def test_a_page_of_entries_is_bounded(store: Store, limit: int) -> None:
    with pytest.raises(ValueError, match=f"limit must be between 1 and .*got {limit}"):
        AuditLog(store).entries(limit=limit)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action": "account.hack"}, "unknown audit action 'account.hack'"),
        ({"actor": "  "}, "needs an actor, got '  '"),
        ({"at": dt.datetime(2024, 9, 2)}, "must be timezone-aware"),
    ],
)
def test_a_bad_entry_is_refused_by_name(store: Store, changes: dict, message: str) -> None:
    entry = {"actor": "x", "action": "account.add", "target": "t", "before": None,
             "after": None, "at": WHEN, **changes}  # fmt: skip
    with pytest.raises(ValueError, match=message), store.write_transaction() as conn:
        audit.record(conn, **entry)
