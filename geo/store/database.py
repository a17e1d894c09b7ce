"""The database of articles and their mentions: SQLite by default, PostgreSQL for a team.

The schema is made by the Alembic migrations in ``geo/store/migrations``, run to head when a
:class:`Store` opens. Every ingest is one transaction, serialised against other writers
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock), so concurrent
processes store each article exactly once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url

from geo.model import Article, Mention
from geo.store.config import database_url, normalise_url

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_WRITE_LOCK = 0x47454F5354  # "GEOST": the advisory lock every PostgreSQL writer takes
MENTION_COLUMNS = (
    "article_id",
    "location_id",
    "surface",
    "start",
    "end",
    "kind",
    "sentence",
    "speaker",
    "title",
    "source",
    "published",
    "url",
)
MENTION_KINDS = frozenset({"explicit", "anaphoric"})

METADATA = sa.MetaData()
"""The schema as the migrations leave it; queries use these tables."""

articles_table = sa.Table(
    "articles",
    METADATA,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("url", sa.Text, nullable=True, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("published", sa.Date, nullable=True, index=True),
    sa.Column("lang", sa.String(16), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column(
        "superseded_by",
        sa.String(16),
        sa.ForeignKey(
            "articles.id", name="fk_articles_superseded_by", deferrable=True, initially="DEFERRED"
        ),
        nullable=True,
    ),
    sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("version >= 1", name="ck_articles_version"),
)
sa.Index(
    "uq_articles_latest_url",
    articles_table.c.url,
    unique=True,
    sqlite_where=sa.text("superseded_by IS NULL AND url IS NOT NULL"),
    postgresql_where=sa.text("superseded_by IS NULL AND url IS NOT NULL"),
)

mentions_table = sa.Table(
    "mentions",
    METADATA,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column(
        "article_id",
        sa.String(16),
        sa.ForeignKey("articles.id", name="fk_mentions_article_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("location_id", sa.Text, nullable=False, index=True),
    sa.Column("surface", sa.Text, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("sentence", sa.Text, nullable=False),
    sa.Column("speaker", sa.Text, nullable=True),
    sa.CheckConstraint('start >= 0 AND "end" > start', name="ck_mentions_span"),
    sa.CheckConstraint("kind IN ('explicit', 'anaphoric')", name="ck_mentions_kind"),
)

state_table = sa.Table(
    "store_state",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.String(32), nullable=False),
    sa.Column("writes", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_store_state_single_row"),
)

_LATEST = articles_table.c.superseded_by.is_(None)


@dataclass(frozen=True)
class IngestOutcome:
    """What one ingest did: ``mentions`` is how many mentions the article has stored."""

    article_id: str
    status: Literal["stored", "duplicate", "new-version"]
    mentions: int


class Store:
    """Articles and mentions in one database; opening it upgrades the schema to head.

    Parameters
    ----------
    url
        SQLAlchemy URL; ``postgresql://`` gets the psycopg 3 driver. None reads ``GEO_DB_URL``
        and falls back to the SQLite file under ``var/``.
    """

    def __init__(self, url: str | None = None) -> None:
        self._engine = _create_engine(normalise_url(url) if url else database_url())
        is_sqlite = self._engine.dialect.name == "sqlite"
        self._writer = (
            self._engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite else self._engine
        )
        self._migrate()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store's pooled connections."""
        self._engine.dispose()

    def ingest(self, article: Article, mentions: Sequence[Mention]) -> IngestOutcome:
        """Store an article and its mentions in one transaction.

        The same text (same id) again is a ``"duplicate"`` and writes nothing. A different text
        under the URL of a stored article is a ``"new-version"``: it is stored and the earlier
        version marked superseded, so only the latest counts on the map.

        Raises
        ------
        ValueError
            When a mention's offsets or surface do not match the article text, or its kind is
            unknown; nothing is written.
        """
        _check_mentions(article, mentions)
        with self._write() as conn:
            stored = _mention_count(conn, article.id)
            if stored is not None:
                return IngestOutcome(article.id, "duplicate", stored)
            previous = _latest_with_url(conn, article.url)
            if previous:  # first, so one version per URL stays latest (the FK check is deferred)
                conn.execute(
                    sa.update(articles_table)
                    .where(articles_table.c.id == previous[0])
                    .values(superseded_by=article.id)
                )
            _insert_article(conn, article, version=previous[1] + 1 if previous else 1)
            _insert_mentions(conn, article.id, mentions)
            conn.execute(sa.update(state_table).values(writes=state_table.c.writes + 1))
        status: Literal["stored", "new-version"] = "new-version" if previous else "stored"
        return IngestOutcome(article.id, status, len(mentions))

    def mentions(
        self,
        *,
        location_ids: Sequence[str] | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        sources: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Return one row per mention in the latest article versions, with its article's fields.

        Columns are :data:`MENTION_COLUMNS`; ``published`` holds ``datetime.date`` or None. Rows
        are ordered by published (undated last), article id and start. ``since``/``until``
        bound ``published`` inclusively and leave out undated articles.

        Raises
        ------
        TypeError
            When ``location_ids`` or ``sources`` is a single string rather than a sequence.
        ValueError
            When ``since`` is after ``until``.
        """
        since, until = _as_day(since, "since"), _as_day(until, "until")
        if since and until and since > until:
            raise ValueError(f"since {since!r} is after until {until!r}")
        a, m = articles_table.c, mentions_table.c
        query = (
            sa.select(*(m[c] if c in m else a[c] for c in MENTION_COLUMNS))
            .join_from(mentions_table, articles_table, m.article_id == a.id)
            .where(_LATEST)
            .order_by(a.published.asc().nulls_last(), m.article_id, m.start, m.end, m.location_id)
        )
        if location_ids is not None:
            query = query.where(m.location_id.in_(_as_list(location_ids, "location_ids")))
        if sources is not None:
            query = query.where(a.source.in_(_as_list(sources, "sources")))
        if since:
            query = query.where(a.published >= since)
        if until:
            query = query.where(a.published <= until)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame.from_records(rows, columns=list(MENTION_COLUMNS))
        return frame.astype({"start": "int64", "end": "int64"})

    def articles(self) -> list[Article]:
        """Return the latest version of every article, by published date (undated last) and id."""
        query = (
            sa.select(articles_table)
            .where(_LATEST)
            .order_by(articles_table.c.published.asc().nulls_last(), articles_table.c.id)
        )
        with self._engine.connect() as conn:
            return [_article(row) for row in conn.execute(query).mappings()]

    def article(self, article_id: str) -> Article | None:
        """Return the stored article with this id (any version), or None."""
        query = sa.select(articles_table).where(articles_table.c.id == article_id)
        with self._engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _article(row) if row else None

    def has_url(self, url: str | None) -> bool:
        """Return whether a latest article version is stored at ``url``."""
        if not url:
            return False
        query = sa.select(articles_table.c.id).where(_LATEST, articles_table.c.url == url)
        with self._engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def sources(self) -> list[str]:
        """Return the distinct sources of the latest article versions, sorted."""
        source = articles_table.c.source
        query = sa.select(source).where(_LATEST, source.is_not(None)).distinct().order_by(source)
        with self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        """Return the earliest and latest published dates of the latest article versions."""
        published = articles_table.c.published
        query = sa.select(sa.func.min(published), sa.func.max(published)).where(_LATEST)
        with self._engine.connect() as conn:
            first, last = conn.execute(query).one()
        return first, last

    def revision(self) -> str:
        """Return a token that changes whenever anything is written: a cache key."""
        query = sa.select(state_table.c.generation, state_table.c.writes)
        with self._engine.connect() as conn:
            generation, writes = conn.execute(query).one()
        return f"{generation}-{writes}"

    def count_articles(self) -> int:
        """Return how many articles the store holds, counting each article's latest version."""
        query = sa.select(sa.func.count()).select_from(articles_table).where(_LATEST)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    # --- shared with the modules that keep their own tables here (accounts, reviews) ---------

    @property
    def engine(self) -> Engine:
        """The store's engine: read through it; write through :meth:`write_transaction`."""
        return self._engine

    @contextmanager
    def write_transaction(self) -> Iterator[Connection]:
        """Open a write transaction, serialised against every other writer of this database."""
        with self._write() as conn:
            yield conn

    # -------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """Open a write transaction, serialised against other writers."""
        with self._writer.begin() as conn:
            _lock_writers(conn)
            yield conn

    def _migrate(self) -> None:
        """Upgrade the schema to head, unless it is there already."""
        config = Config(str(ALEMBIC_INI))
        head = ScriptDirectory.from_config(config).get_current_head()
        with self._engine.connect() as conn:
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
        with self._writer.begin() as conn:
            _lock_writers(conn)
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


def _create_engine(url: str) -> Engine:
    """Create the engine; on SQLite with WAL, a busy timeout and SQLAlchemy-emitted BEGINs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the "begin" hook below emits BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _use_wal(cursor: Any, attempts: int = 50) -> None:
    """Switch a new SQLite file to WAL (persistent); retry while another process does the same.

    Changing the journal mode needs an exclusive lock and SQLite reports "database is locked"
    at once, without waiting on the busy timeout, when several processes open a new file together.
    """
    for attempt in range(attempts):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


def _lock_writers(conn: Connection) -> None:
    """On PostgreSQL, wait for the store-wide write lock until this transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_WRITE_LOCK)))


def _check_mentions(article: Article, mentions: Sequence[Mention]) -> None:
    """Raise ValueError unless every mention's span and surface match the article text."""
    for mention in mentions:
        span = article.text[mention.start : mention.end]
        if not 0 <= mention.start < mention.end <= len(article.text) or span != mention.surface:
            raise ValueError(
                f"mention {mention.surface!r} at {mention.start}:{mention.end} does not match "
                f"article {article.id!r}, which has {span!r} there"
            )
        if mention.kind not in MENTION_KINDS:
            raise ValueError(f"mention {mention.surface!r} has unknown kind {mention.kind!r}")


def _mention_count(conn: Connection, article_id: str) -> int | None:
    """Return how many mentions a stored article has, or None when it is not stored."""
    exists = conn.execute(
        sa.select(articles_table.c.id).where(articles_table.c.id == article_id)
    ).first()
    if exists is None:
        return None
    count = sa.select(sa.func.count()).where(mentions_table.c.article_id == article_id)
    return int(conn.execute(count).scalar_one())


def _latest_with_url(conn: Connection, url: str | None) -> tuple[str, int] | None:
    """Return (id, version) of the latest stored article at ``url``, if any."""
    if url is None:
        return None
    query = sa.select(articles_table.c.id, articles_table.c.version).where(
        articles_table.c.url == url, _LATEST
    )
    row = conn.execute(query).first()
    return (row.id, row.version) if row else None


def _insert_article(conn: Connection, article: Article, *, version: int) -> None:
    """Insert one article row."""
    conn.execute(
        sa.insert(articles_table).values(
            id=article.id,
            url=article.url,
            title=article.title,
            source=article.source,
            published=article.published,
            lang=article.lang,
            text=article.text,
            text_hash=_sha256(article.text),
            version=version,
            ingested_at=dt.datetime.now(dt.UTC),
        )
    )


def _insert_mentions(conn: Connection, article_id: str, mentions: Sequence[Mention]) -> None:
    """Insert an article's mention rows."""
    if mentions:
        rows = [{"article_id": article_id, **mention.to_dict()} for mention in mentions]
        conn.execute(sa.insert(mentions_table), rows)


def _article(row: sa.RowMapping) -> Article:
    """Build an Article from an articles row."""
    return Article(
        id=row["id"],
        title=row["title"],
        source=row["source"],
        published=row["published"],
        url=row["url"],
        text=row["text"],
        lang=row["lang"],
    )


def _as_day(value: dt.date | None, name: str) -> dt.date | None:
    """Return a date bound as a plain date (a datetime loses its time)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date, got {value!r}")
    return value


def _as_list(values: Sequence[str], name: str) -> list[str]:
    """Return a filter's values as a list, refusing a bare string."""
    if isinstance(values, str):
        raise TypeError(f"{name} must be a sequence of strings, got the string {values!r}")
    return list(values)


def _sha256(text: str) -> str:
    """Return the sha256 hex digest of the text as stored."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
