"""The audit log: who changed what, when, with the values before and after.

Every review of a mention and every change to an account is written here in the same
transaction as the change itself, so the log and the data never disagree. Admins read it in the
app and export it as CSV.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection

from geo.store.database import Store

AUDIT_COLUMNS = ("at", "actor", "action", "target", "before", "after")
ACTIONS = (
    "mention.review",
    "account.add",
    "account.remove",
    "account.set_role",
    "account.set_password",
    "account.disable",
    "account.enable",
)
MAX_ENTRIES = 1000
"""Most entries one read returns (the newest first): a page, never the whole log."""

METADATA = sa.MetaData()
audit_table = sa.Table(
    "audit_log",
    METADATA,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("before", sa.Text, nullable=True),
    sa.Column("after", sa.Text, nullable=True),
)


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: dt.datetime,
) -> None:
    """Write one entry inside the caller's write transaction.

    Raises
    ------
    ValueError
        For an action not in :data:`ACTIONS`, an empty actor, or a naive ``at``.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if not actor.strip():
        raise ValueError(f"an audit entry needs an actor, got {actor!r}")
    if at.tzinfo is None:
        raise ValueError(f"an audit time must be timezone-aware, got {at!r}")
    conn.execute(
        sa.insert(audit_table).values(
            at=at.astimezone(dt.UTC), actor=actor, action=action, target=target,
            before=_json(before), after=_json(after),
        )
    )  # fmt: skip


class AuditLog:
    """Reads the audit log of a store's database, newest first."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def entries(
        self, *, actor: str | None = None, action: str | None = None, limit: int = 200
    ) -> pd.DataFrame:
        """Return the newest entries (at most ``limit``, itself at most :data:`MAX_ENTRIES`),
        by one actor and of one action when given.

        Columns are :data:`AUDIT_COLUMNS`; ``at`` is an aware UTC datetime, ``before`` and
        ``after`` JSON text (or None).
        """
        if not 1 <= limit <= MAX_ENTRIES:
            raise ValueError(f"limit must be between 1 and {MAX_ENTRIES}, got {limit!r}")
        a = audit_table.c
        query = sa.select(*(a[c] for c in AUDIT_COLUMNS)).order_by(a.at.desc(), a.id.desc())
        if actor:
            query = query.where(a.actor == actor)
        if action:
            query = query.where(a.action == action)
        with self._store.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).all()
        columns = {
            "at": [_aware(row.at) for row in rows],
            "actor": [str(row.actor) for row in rows],
            "action": [str(row.action) for row in rows],
            "target": [str(row.target) for row in rows],
            "before": pd.Series([row.before for row in rows], dtype=object),  # JSON text or None
            "after": pd.Series([row.after for row in rows], dtype=object),
        }
        return pd.DataFrame(columns, columns=list(AUDIT_COLUMNS))

    def actors(self) -> list[str]:
        """Everyone who appears in the log, in order."""
        with self._store.engine.connect() as conn:
            found = conn.execute(sa.select(audit_table.c.actor).distinct()).scalars().all()
        return sorted(str(actor) for actor in found)


def _json(values: dict[str, Any] | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True)


def _aware(value: Any) -> dt.datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
