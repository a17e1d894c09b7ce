"""Editors' reviews of mentions: confirmed or rejected, one review per mention, the latest wins.

A mention is known by its key (article_id, location_id, start, end). Writes go through the
store's write transaction (SQLite ``BEGIN IMMEDIATE``, PostgreSQL advisory lock) and bump the
store's revision, so cached views of the map refresh. :func:`apply_reviews` is pure.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from geo.desk import audit
from geo.desk.accounts import User, require, utc_now
from geo.store.database import Store, mentions_table, set_rejected, state_table

REVIEW_STATUSES = ("confirmed", "rejected")
MENTION_KEY = ("article_id", "location_id", "start", "end")
REVIEW_COLUMNS = (*MENTION_KEY, "status", "reviewer", "reviewed_at", "note")
MAX_NOTE_LENGTH = 2000
_IDS_PER_QUERY = 500

METADATA = sa.MetaData()
"""The table of migration 0002 this module reads and writes."""

reviews_table = sa.Table(
    "mention_reviews",
    METADATA,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("article_id", sa.String(16), nullable=False),
    sa.Column("location_id", sa.Text, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reviewer", sa.String(320), nullable=False),
    sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.UniqueConstraint(*MENTION_KEY, name="uq_mention_reviews_mention"),
)


@dataclass(frozen=True)
class Review:
    """One stored review of one mention."""

    article_id: str
    location_id: str
    start: int
    end: int
    status: str
    reviewer: str
    reviewed_at: dt.datetime
    note: str | None


class Reviews:
    """Reviews of the mentions in a store's database.

    Parameters
    ----------
    store
        The open store (its database has the ``mention_reviews`` table of migration 0002).
    clock
        Returns the current UTC time; tests pass a fake one.
    """

    def __init__(self, store: Store, *, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._store = store
        self._clock = clock

    def review(
        self,
        user: User,
        article_id: str,
        location_id: str,
        start: int,
        end: int,
        status: str,
        note: str | None = None,
    ) -> Review:
        """Record ``user``'s review of one mention, replacing any earlier review of it.

        Raises
        ------
        PermissionDenied
            When the user's role may not review (a viewer).
        ValueError
            For an unknown status, a note over :data:`MAX_NOTE_LENGTH`, or a mention the
            store does not hold; nothing is written.
        """
        require(user, "review")
        review = Review(
            article_id=article_id,
            location_id=location_id,
            start=_offset(start, "start"),
            end=_offset(end, "end"),
            status=_check_status(status),
            reviewer=user.email,
            reviewed_at=self._clock().astimezone(dt.UTC),
            note=_check_note(note),
        )
        with self._store.write_transaction() as conn:
            _check_mention_exists(conn, review)
            before = _stored_review(conn, review)
            _upsert(conn, review)
            audit.record(
                conn,
                actor=user.email,
                action="mention.review",
                target=f"{article_id} {location_id} {review.start}-{review.end}",
                before={"status": before[0], "note": before[1]} if before else None,
                after={"status": review.status, "note": review.note},
                at=review.reviewed_at,
            )
            set_rejected(
                conn, article_id, location_id, review.start, review.end, status == "rejected"
            )
            conn.execute(sa.update(state_table).values(writes=state_table.c.writes + 1))
        return review

    def reviews_for(self, article_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """Return the reviews of the mentions in ``article_ids`` (None: every review).

        Columns are :data:`REVIEW_COLUMNS`; ``reviewed_at`` is an aware UTC datetime.

        Raises
        ------
        TypeError
            When ``article_ids`` is a single string rather than an iterable of them.
        """
        if isinstance(article_ids, str):
            raise TypeError(
                f"article_ids must be an iterable of ids, got the string {article_ids!r}"
            )
        columns = [reviews_table.c[name] for name in REVIEW_COLUMNS]
        query = sa.select(*columns).order_by(*(reviews_table.c[key] for key in MENTION_KEY))
        rows: list[Any] = []
        with self._store.engine.connect() as conn:
            if article_ids is None:
                rows.extend(conn.execute(query))
            else:
                ids = sorted(set(article_ids))
                for first in range(0, len(ids), _IDS_PER_QUERY):
                    chunk = ids[first : first + _IDS_PER_QUERY]
                    rows.extend(conn.execute(query.where(reviews_table.c.article_id.in_(chunk))))
        frame = pd.DataFrame.from_records(rows, columns=list(REVIEW_COLUMNS))
        frame["reviewed_at"] = [_as_utc(at) for at in frame["reviewed_at"]]
        return frame.astype({"start": "int64", "end": "int64"})


def apply_reviews(
    mentions: pd.DataFrame, reviews: pd.DataFrame, *, include_rejected: bool = False
) -> pd.DataFrame:
    """Return ``mentions`` without the rejected ones, with a ``review`` column.

    ``review`` holds the mention's status (``"confirmed"``, or ``"rejected"`` when
    ``include_rejected``) or None when nobody has reviewed it. Rows keep their order and
    index; neither input is changed.

    Raises
    ------
    ValueError
        When a frame lacks a key column (or ``reviews`` its ``status``), or ``reviews`` holds
        two reviews of one mention.
    """
    _require_columns(mentions, MENTION_KEY, "mentions")
    _require_columns(reviews, (*MENTION_KEY, "status"), "reviews")
    key = list(MENTION_KEY)
    duplicated = reviews.duplicated(subset=key)
    if duplicated.any():
        first = _key(*reviews.loc[duplicated, key].iloc[0])
        raise ValueError(f"reviews holds more than one review of the mention {first!r}")
    status_of = {
        _key(*row[:4]): row[4] for row in reviews[[*key, "status"]].itertuples(index=False)
    }
    result = mentions.copy()
    result["review"] = pd.Series(
        [status_of.get(_key(*row)) for row in mentions[key].itertuples(index=False)],
        index=mentions.index,
        dtype=object,
    )
    if include_rejected:
        return result
    return result[result["review"] != "rejected"]


def _key(article_id: Any, location_id: Any, start: Any, end: Any) -> tuple[str, str, int, int]:
    """Return a mention key as plain Python values (frames hold numpy integers)."""
    return (str(article_id), str(location_id), int(start), int(end))


def _check_status(status: str) -> str:
    """Return ``status`` when it is a review status, else raise ValueError naming it."""
    if status not in REVIEW_STATUSES:
        raise ValueError(
            f"unknown review status {status!r}; choose one of {', '.join(REVIEW_STATUSES)}"
        )
    return status


def _check_note(note: str | None) -> str | None:
    """Return the note trimmed (None when blank); raise ValueError when it is too long."""
    if note is None:
        return None
    if not isinstance(note, str):
        raise ValueError(f"a review note must be text, got {note!r}")
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ValueError(f"the note has {len(note)} characters; the limit is {MAX_NOTE_LENGTH}")
    return note or None


def _offset(value: int, name: str) -> int:
    """Return a mention offset as an int, refusing bools, floats and text."""
    try:
        if not isinstance(value, bool):
            return operator.index(value)
    except TypeError:
        pass
    raise ValueError(f"{name} must be an integer offset, got {value!r}")


def _check_mention_exists(conn: Connection, review: Review) -> None:
    """Raise ValueError unless the store holds the mention ``review`` is about."""
    m = mentions_table.c
    query = sa.select(m.id).where(
        m.article_id == review.article_id,
        m.location_id == review.location_id,
        m.start == review.start,
        m.end == review.end,
    )
    if conn.execute(query.limit(1)).first() is None:
        raise ValueError(
            f"no mention of {review.location_id!r} at {review.start}:{review.end} "
            f"in article {review.article_id!r}"
        )


def _stored_review(conn: Connection, review: Review) -> tuple[str, str | None] | None:
    """The status and note stored for the same mention before this review, if any."""
    r = reviews_table.c
    key = [r[name] == getattr(review, name) for name in MENTION_KEY]
    row = conn.execute(sa.select(r.status, r.note).where(*key)).first()
    return None if row is None else (str(row.status), row.note)


def _upsert(conn: Connection, review: Review) -> None:
    """Insert the review, or replace the stored review of the same mention."""
    values = {name: getattr(review, name) for name in REVIEW_COLUMNS}
    replaced = ("status", "reviewer", "reviewed_at", "note")
    dialect = conn.dialect.name
    if dialect == "postgresql":
        pg_insert = postgresql.insert(reviews_table).values(**values)
        statement: sa.Executable = pg_insert.on_conflict_do_update(
            index_elements=list(MENTION_KEY),
            set_={name: pg_insert.excluded[name] for name in replaced},
        )
    elif dialect == "sqlite":
        lite_insert = sqlite.insert(reviews_table).values(**values)
        statement = lite_insert.on_conflict_do_update(
            index_elements=list(MENTION_KEY),
            set_={name: lite_insert.excluded[name] for name in replaced},
        )
    else:
        raise ValueError(f"reviews need SQLite or PostgreSQL, not {dialect!r}")
    conn.execute(statement)


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise ValueError naming the columns ``frame`` lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing!r}")


def _as_utc(value: dt.datetime) -> dt.datetime:
    """Return a stored time as aware UTC (SQLite gives it back naive, already in UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
