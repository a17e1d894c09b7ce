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

from geo.extract.geonames import ContextPlace
from geo.model import Article, Mention
from geo.store.bulk import insert_rows
from geo.store.config import database_url, normalise_url
from geo.store.schema import (
    LATEST,
    NO_NAME,
    UNDATED,
    article_days_table,
    article_places_table,
    articles_table,
    mention_days_table,
    mentions_table,
    place_days_table,
    speaker_days_table,
    state_table,
)
from geo.store.summaries import Counts, stored_counts

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
    "confidence",
    "title",
    "source",
    "published",
    "url",
)
MENTION_KINDS = frozenset({"explicit", "bare", "anaphoric"})


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

    def ingest(
        self,
        article: Article,
        mentions: Sequence[Mention],
        places: Sequence[ContextPlace] | None = None,
    ) -> IngestOutcome:
        """Store an article, its mentions and the context places it names, in one transaction.

        The same text (same id) again is a ``"duplicate"`` and writes nothing. A different text
        under the URL of a stored article is a ``"new-version"``: it is stored and the earlier
        version marked superseded, so only the latest counts on the map. ``places`` None means
        the article's context places are not known yet (see :meth:`articles_to_scan`).

        Raises
        ------
        ValueError
            When a mention's offsets or surface do not match the article text, or its kind is
            unknown; nothing is written.
        """
        return self.ingest_many([(article, mentions, places)])[0]

    def ingest_many(
        self,
        batch: Sequence[tuple[Article, Sequence[Mention], Sequence[ContextPlace] | None]],
    ) -> list[IngestOutcome]:
        """Store several extracted articles in one transaction; one outcome each, in order.

        Each article is judged as :meth:`ingest` judges it, in order, so a text twice in one
        batch is stored once and a later text at the same URL supersedes an earlier one.

        Raises
        ------
        ValueError
            When any mention does not match its article; nothing of the batch is written.
        """
        for article, mentions, _ in batch:
            _check_mentions(article, mentions)
        with self._write() as conn:
            outcomes = _Batch(conn).store(batch)
            if any(outcome.status != "duplicate" for outcome in outcomes):
                conn.execute(sa.update(state_table).values(writes=state_table.c.writes + 1))
        return outcomes

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
            .where(LATEST)
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

    def location_stats(
        self,
        *,
        location_ids: Sequence[str] | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        sources: Sequence[str] | None = None,
        with_speakers: bool = True,
    ) -> pd.DataFrame:
        """Return one row per mentioned location for a filter, counted in SQL from the days.

        Columns: ``location_id, count, explicit, anaphoric, articles, first_mention,
        last_mention, sources, speakers`` (dates as ISO text or None; sources and speakers as
        sorted lists, the article's own voice left out). Rejected mentions and superseded
        versions do not count. Filters as for :meth:`mentions`. ``with_speakers`` False leaves
        ``speakers`` empty and skips their query (the table of speakers per day is the largest
        of the count tables; the map does not show them).
        """
        d = mention_days_table.c
        where = _filters(d, location_ids, since, until, sources)
        query = (
            sa.select(
                d.location_id,
                sa.func.sum(d.mentions),
                sa.func.sum(d.explicit),
                sa.func.sum(d.anaphoric),
                sa.func.sum(d.articles),
                sa.func.min(_dated(d.day)),
                sa.func.max(_dated(d.day)),
            )
            .where(*where)
            .group_by(d.location_id)
            .order_by(d.location_id)
        )
        source_query = (
            sa.select(d.location_id, d.source)
            .where(*where, d.source != NO_NAME)
            .group_by(d.location_id, d.source)
        )
        s = speaker_days_table.c
        speaker_query = (
            sa.select(s.location_id, s.speaker)
            .where(*_filters(s, location_ids, since, until, sources), s.speaker != NO_NAME)
            .group_by(s.location_id, s.speaker)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
            sources_of = _grouped(conn.execute(source_query))
            speakers_of = _grouped(conn.execute(speaker_query)) if with_speakers else {}
        records = [
            {
                "location_id": location_id,
                "count": int(count),
                "explicit": int(explicit),
                "anaphoric": int(anaphoric),
                "articles": int(articles),
                "first_mention": _iso(first),
                "last_mention": _iso(last),
                "sources": sorted(sources_of.get(location_id, [])),
                "speakers": sorted(speakers_of.get(location_id, [])),
            }
            for location_id, count, explicit, anaphoric, articles, first, last in rows
            if count
        ]
        return pd.DataFrame.from_records(records, columns=list(LOCATION_STAT_COLUMNS))

    def daily_counts(
        self,
        *,
        location_ids: Sequence[str] | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        sources: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Return the mentions per location and day for a filter, summed in SQL from the days.

        Columns: ``location_id, day`` (a ``datetime.date``), ``mentions``; dated days only,
        ordered by day then location. At most one row a location a day, whatever the archive's
        size. Filters as for :meth:`mentions`.
        """
        d = mention_days_table.c
        query = (
            sa.select(d.location_id, d.day, sa.func.sum(d.mentions))
            .where(*_filters(d, location_ids, since, until, sources), d.day > UNDATED)
            .group_by(d.location_id, d.day)
            .order_by(d.day, d.location_id)
        )
        with self._engine.connect() as conn:
            rows = [
                (location_id, dt.date.fromisoformat(str(day)[:10]), int(count))
                for location_id, day, count in conn.execute(query)
                if count
            ]
        return pd.DataFrame(rows, columns=["location_id", "day", "mentions"])

    def count_mentioning_articles(
        self,
        *,
        location_ids: Sequence[str] | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        sources: Sequence[str] | None = None,
    ) -> int:
        """Return how many latest articles in a filter have a counted mention (of the locations).

        With no location filter this adds up the per-day article counts; with locations, it
        counts the distinct articles of their mentions, read along their index.
        """
        since, until = _as_day(since, "since"), _as_day(until, "until")
        if location_ids is None:
            d = article_days_table.c
            query = sa.select(sa.func.coalesce(sa.func.sum(d.articles), 0)).where(
                *_filters(d, None, since, until, sources)
            )
        else:
            m = mentions_table.c
            query = sa.select(sa.func.count(sa.distinct(m.article_id))).where(
                *_filters(m, location_ids, since, until, sources, day=m.published),
                m.latest,
                sa.not_(m.rejected),
            )
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def speaker_stats(
        self,
        location_id: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        sources: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Return who is quoted on one location: ``speaker, count, first_mention, last_mention``.

        ``speaker`` None is the article's own voice. Most quoted first.
        """
        s = speaker_days_table.c
        query = (
            sa.select(
                s.speaker,
                sa.func.sum(s.mentions),
                sa.func.min(_dated(s.day)),
                sa.func.max(_dated(s.day)),
            )
            .where(*_filters(s, [location_id], since, until, sources))
            .group_by(s.speaker)
            .order_by(sa.func.sum(s.mentions).desc(), s.speaker)
        )
        with self._engine.connect() as conn:
            rows = [
                (speaker or None, int(n), _iso(first), _iso(last))
                for speaker, n, first, last in conn.execute(query)
                if n
            ]
        return pd.DataFrame.from_records(
            rows, columns=["speaker", "count", "first_mention", "last_mention"]
        )

    def quotes(
        self,
        location_id: str,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        sources: Sequence[str] | None = None,
        speakers: Sequence[str | None] | None = None,
        limit: int = 50,
        offset: int = 0,
        include_rejected: bool = False,
        least_sure_first: bool = False,
    ) -> pd.DataFrame:
        """Return one page of a location's mentions, newest first, with their articles' fields.

        Columns are :data:`MENTION_COLUMNS` plus ``rejected`` and ``title_derived``. Ordered
        by published (undated last), article id and start, read along the
        ``(location_id, published)`` index; with ``least_sure_first`` (the review page), by the
        extractor's confidence first, along the ``(location_id, confidence)`` index.
        ``speakers`` keeps the mentions of those speakers (None in it: the article's own voice).
        """
        if limit < 1 or offset < 0:
            raise ValueError(f"limit must be >= 1 and offset >= 0, got {limit!r} and {offset!r}")
        since, until = _as_day(since, "since"), _as_day(until, "until")
        a, m = articles_table.c, mentions_table.c
        columns = [a[c] if c in ("title", "url") else m[c] for c in MENTION_COLUMNS]
        query = (
            sa.select(*columns, m.rejected, a.title_derived)
            .join_from(mentions_table, articles_table, m.article_id == a.id)
            .where(m.location_id == location_id, m.latest)
            .order_by(
                *([m.confidence] if least_sure_first else []),
                m.published.desc().nulls_last(),
                m.article_id,
                m.start,
            )
            .limit(limit)
            .offset(offset)
        )
        if not include_rejected:
            query = query.where(sa.not_(m.rejected))
        if speakers is not None:
            if isinstance(speakers, str):
                raise TypeError(f"speakers must be a sequence, got the string {speakers!r}")
            named = [speaker for speaker in speakers if speaker is not None]
            said = [m.speaker.in_(named)] if named else []
            if None in speakers:
                said.append(m.speaker.is_(None))
            query = query.where(sa.or_(*said) if said else sa.false())
        if sources is not None:
            query = query.where(m.source.in_(_as_list(sources, "sources")))
        if since:
            query = query.where(m.published >= since)
        if until:
            query = query.where(m.published <= until)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame.from_records(
            rows, columns=[*MENTION_COLUMNS, "rejected", "title_derived"]
        )
        return frame.astype(
            {"start": "int64", "end": "int64", "rejected": "bool", "title_derived": "bool"}
        )

    def place_stats(
        self,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        sources: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Return the cities and countries the filtered articles name, counted in SQL.

        Columns: ``geonameid, name, lat, lon, count, articles``; most named first.
        """
        p = place_days_table.c
        query = (
            sa.select(
                p.geonameid, p.name, p.lat, p.lon, sa.func.sum(p.mentions), sa.func.sum(p.articles)
            )
            .where(*_filters(p, None, since, until, sources))
            .group_by(p.geonameid, p.name, p.lat, p.lon)
            .order_by(sa.func.sum(p.mentions).desc(), p.name)
        )
        with self._engine.connect() as conn:
            rows = [row for row in conn.execute(query) if row[4]]
        frame = pd.DataFrame.from_records(
            rows, columns=["geonameid", "name", "lat", "lon", "count", "articles"]
        )
        return frame.astype({"count": "int64", "articles": "int64"})

    def articles_to_scan(self, limit: int = 500) -> list[Article]:
        """Return up to ``limit`` latest articles whose context places are not stored yet."""
        a = articles_table.c
        query = (
            sa.select(articles_table)
            .where(LATEST, sa.not_(a.places_scanned))
            .order_by(a.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_article(row) for row in conn.execute(query).mappings()]

    def set_places(self, article_id: str, places: Sequence[ContextPlace]) -> None:
        """Store the context places found in a stored article (once; later calls do nothing)."""
        a = articles_table.c
        with self._write() as conn:
            row = conn.execute(
                sa.select(a.published, a.source, a.places_scanned, LATEST).where(a.id == article_id)
            ).first()
            if row is None:
                raise ValueError(f"no stored article {article_id!r}")
            if row.places_scanned:
                return
            facts = _place_facts(places)
            if facts:
                conn.execute(
                    sa.insert(article_places_table),
                    [
                        {"article_id": article_id, "geonameid": g, "name": n, "lat": la,
                         "lon": lo, "mentions": c}
                        for g, n, la, lo, c in facts
                    ],
                )  # fmt: skip
            if row[3]:
                counts = Counts()
                counts.add_article(row.published, row.source, (), facts)
                counts.apply(conn)
            conn.execute(
                sa.update(articles_table).where(a.id == article_id).values(places_scanned=True)
            )
            conn.execute(sa.update(state_table).values(writes=state_table.c.writes + 1))

    def search_articles(
        self, words: str | None = None, *, limit: int = 50, offset: int = 0
    ) -> tuple[pd.DataFrame, int]:
        """Return a page of the latest articles (containing all ``words``), newest first.

        Full-text search runs in the database: SQLite FTS5, PostgreSQL ``tsvector``. Columns:
        ``id, title, title_derived, source, published, url, mentions, places`` (the location
        ids the article mentions). Also returns how many articles match in all.

        Raises
        ------
        ValueError
            When ``limit`` or ``offset`` is out of range, or ``words`` is over 500 characters.
        """
        if limit < 1 or offset < 0:
            raise ValueError(f"limit must be >= 1 and offset >= 0, got {limit!r} and {offset!r}")
        words = " ".join((words or "").split())
        if len(words) > 500:
            raise ValueError(f"search words are {len(words)} characters; the limit is 500")
        a = articles_table.c
        where: list[Any] = [LATEST]
        if words:
            where.append(self._matches(words))
        columns = (a.id, a.title, a.title_derived, a.source, a.published, a.url,
                   a.counted_mentions)  # fmt: skip
        query = (
            sa.select(*columns)
            .where(*where)
            .order_by(a.published.desc().nulls_last(), a.id)
            .limit(limit)
            .offset(offset)
        )
        total = sa.select(sa.func.count()).select_from(articles_table).where(*where)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
            count = int(conn.execute(total).scalar_one())
            places = self._places_of(conn, [row.id for row in rows])
        names = ["id", "title", "title_derived", "source", "published", "url", "mentions"]
        frame = pd.DataFrame.from_records(rows, columns=names)
        frame["places"] = [places.get(article_id, []) for article_id in frame["id"]]
        return frame, count

    def article_mentions(self, article_id: str) -> list[Mention]:
        """Return the mentions of one stored article that editors did not reject, in order."""
        m = mentions_table.c
        query = (
            sa.select(
                m.location_id,
                m.surface,
                m.start,
                m.end,
                m.kind,
                m.sentence,
                m.speaker,
                m.confidence,
            )
            .where(m.article_id == article_id, sa.not_(m.rejected))
            .order_by(m.start, m.end)
        )
        with self._engine.connect() as conn:
            return [Mention(*row) for row in conn.execute(query)]

    def _matches(self, words: str) -> sa.TextClause:
        """Where-clause: the article contains every word (the database's full-text index)."""
        if self._engine.dialect.name == "postgresql":
            return sa.text("articles.search @@ websearch_to_tsquery('simple', :words)").bindparams(
                words=words
            )
        quoted = " ".join('"' + word.replace('"', '""') + '"' for word in words.split())
        return sa.text(
            "articles.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH :words)"
        ).bindparams(words=quoted)

    @staticmethod
    def _places_of(conn: Connection, article_ids: list[str]) -> dict[str, list[str]]:
        if not article_ids:
            return {}
        m = mentions_table.c
        query = (
            sa.select(m.article_id, m.location_id)
            .where(m.article_id.in_(article_ids), sa.not_(m.rejected))
            .group_by(m.article_id, m.location_id)
            .order_by(m.article_id, m.location_id)
        )
        return _grouped(conn.execute(query))

    def speakers(self, limit: int = 500) -> list[str]:
        """Return the named speakers quoted most (up to ``limit``), most quoted first."""
        s = speaker_days_table.c
        query = (
            sa.select(s.speaker)
            .where(s.speaker != NO_NAME)
            .group_by(s.speaker)
            .order_by(sa.func.sum(s.mentions).desc(), s.speaker)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def articles(self) -> list[Article]:
        """Return the latest version of every article, by published date (undated last) and id."""
        query = (
            sa.select(articles_table)
            .where(LATEST)
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
        query = sa.select(articles_table.c.id).where(LATEST, articles_table.c.url == url)
        with self._engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def sources(self) -> list[str]:
        """Return the distinct sources of the latest article versions, sorted."""
        source = articles_table.c.source
        query = sa.select(source).where(LATEST, source.is_not(None)).distinct().order_by(source)
        with self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def date_range(self) -> tuple[dt.date | None, dt.date | None]:
        """Return the earliest and latest published dates of the latest article versions."""
        published = articles_table.c.published
        query = sa.select(sa.func.min(published), sa.func.max(published)).where(LATEST)
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
        query = sa.select(sa.func.count()).select_from(articles_table).where(LATEST)
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
        # WAL with NORMAL: a commit survives the app crashing; only a power cut or an OS crash
        # can lose the last commits, never corrupt the file (SQLite's advice for WAL).
        cursor.execute("PRAGMA synchronous = NORMAL")
        # 32 MiB of page cache a connection (SQLite's default is 2 MiB): an archive's indexes
        # are hundreds of MB, and inserts into them thrash a small cache.
        cursor.execute("PRAGMA cache_size = -32768")
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
        if not 0.0 <= mention.confidence <= 1.0:
            raise ValueError(
                f"mention {mention.surface!r} has confidence {mention.confidence!r}, not in 0–1"
            )


class _Batch:
    """Stores one batch of extracted articles inside an open write transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.counts = Counts()
        self.article_rows: list[dict[str, Any]] = []
        self.mention_rows: list[dict[str, Any]] = []
        self.place_rows: list[dict[str, Any]] = []

    def store(
        self,
        batch: Sequence[tuple[Article, Sequence[Mention], Sequence[ContextPlace] | None]],
    ) -> list[IngestOutcome]:
        """Judge and write each article in order; then the mentions, places and counts."""
        stored = self._stored_mention_counts([article.id for article, _, _ in batch])
        latest = self._latest_by_url([article.url for article, _, _ in batch if article.url])
        outcomes = []
        for article, mentions, places in batch:
            if article.id in stored:
                outcomes.append(IngestOutcome(article.id, "duplicate", stored[article.id]))
                continue
            previous = latest.get(article.url) if article.url else None
            if previous:
                self._supersede(previous[0], article.id)
            self._add(article, mentions, places, version=previous[1] + 1 if previous else 1)
            stored[article.id] = len(mentions)
            if article.url:
                latest[article.url] = (article.id, previous[1] + 1 if previous else 1)
            outcomes.append(
                IngestOutcome(article.id, "new-version" if previous else "stored", len(mentions))
            )
        self._flush()
        return outcomes

    def _stored_mention_counts(self, article_ids: list[str]) -> dict[str, int]:
        """Return how many mentions each already stored article of ``article_ids`` has."""
        a, m = articles_table.c, mentions_table.c
        query = (
            sa.select(a.id, sa.func.count(m.id))
            .join_from(articles_table, mentions_table, m.article_id == a.id, isouter=True)
            .where(a.id.in_(sorted(set(article_ids))))
            .group_by(a.id)
        )
        return {article_id: int(n) for article_id, n in self.conn.execute(query)}

    def _latest_by_url(self, urls: list[str]) -> dict[str, tuple[str, int]]:
        """Return (id, version) of the latest stored article at each of ``urls``."""
        if not urls:
            return {}
        a = articles_table.c
        query = sa.select(a.url, a.id, a.version).where(a.url.in_(sorted(set(urls))), LATEST)
        return {url: (article_id, version) for url, article_id, version in self.conn.execute(query)}

    def _supersede(self, previous_id: str, new_id: str) -> None:
        """Mark the earlier version superseded and take its counts away (before its rows move)."""
        self._flush()
        stored_counts(self.conn, [previous_id]).apply(self.conn)
        self.conn.execute(
            sa.update(articles_table)
            .where(articles_table.c.id == previous_id)
            .values(superseded_by=new_id)
        )
        self.conn.execute(
            sa.update(mentions_table)
            .where(mentions_table.c.article_id == previous_id)
            .values(latest=False)
        )

    def _add(
        self,
        article: Article,
        mentions: Sequence[Mention],
        places: Sequence[ContextPlace] | None,
        *,
        version: int,
    ) -> None:
        """Queue the article's row, its mention and place rows, and its counts."""
        self.article_rows.append(
            {
                "id": article.id,
                "url": article.url,
                "title": article.title,
                "title_derived": article.title_derived,
                "source": article.source,
                "published": article.published,
                "lang": article.lang,
                "text": article.text,
                "text_hash": _sha256(article.text),
                "version": version,
                "ingested_at": dt.datetime.now(dt.UTC),
                "places_scanned": places is not None,
                "counted_mentions": len(mentions),
            }
        )
        self.mention_rows.extend(
            {
                "article_id": article.id,
                "published": article.published,
                "source": article.source,
                "location_id": m.location_id,
                "surface": m.surface,
                "start": m.start,
                "end": m.end,
                "kind": m.kind,
                "sentence": m.sentence,
                "speaker": m.speaker,
                "confidence": m.confidence,
            }
            for m in mentions
        )
        place_facts = _place_facts(places or ())
        self.place_rows.extend(
            {"article_id": article.id, "geonameid": g, "name": n, "lat": la, "lon": lo,
             "mentions": c}
            for g, n, la, lo, c in place_facts
        )  # fmt: skip
        facts = [(m.location_id, m.kind, m.speaker) for m in mentions]
        self.counts.add_article(article.published, article.source, facts, place_facts)

    def _flush(self) -> None:
        """Write the queued rows and counts."""
        insert_rows(self.conn, articles_table, self.article_rows)
        insert_rows(self.conn, mentions_table, self.mention_rows)
        insert_rows(self.conn, article_places_table, self.place_rows)
        self.counts.apply(self.conn)
        self.counts, self.article_rows, self.mention_rows, self.place_rows = Counts(), [], [], []


def _place_facts(places: Sequence[ContextPlace]) -> list[tuple[int, str, float, float, int]]:
    """Count an article's context places: (geonameid, name, lat, lon, mentions) each."""
    counted: dict[int, list[Any]] = {}
    for place in places:
        entry = counted.setdefault(place.geonameid, [place.name, place.lat, place.lon, 0])
        entry[3] += 1
    return [(g, name, lat, lon, n) for g, (name, lat, lon, n) in counted.items()]


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
        title_derived=bool(row.get("title_derived", False)),
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


LOCATION_STAT_COLUMNS = (
    "location_id",
    "count",
    "explicit",
    "anaphoric",
    "articles",
    "first_mention",
    "last_mention",
    "sources",
    "speakers",
)


def set_rejected(
    conn: Connection, article_id: str, location_id: str, start: int, end: int, rejected: bool
) -> None:
    """Mark one mention rejected (or not) inside a write transaction, keeping counts in step."""
    m = mentions_table.c
    key = (m.article_id == article_id, m.location_id == location_id, m.start == start,
           m.end == end)  # fmt: skip
    current = conn.execute(sa.select(m.rejected, m.latest).where(*key).limit(1)).first()
    if current is None or bool(current.rejected) == rejected:
        return
    if current.latest:
        stored_counts(conn, [article_id]).apply(conn)
    conn.execute(sa.update(mentions_table).where(*key).values(rejected=rejected))
    conn.execute(
        sa.update(articles_table)
        .where(articles_table.c.id == article_id)
        .values(counted_mentions=articles_table.c.counted_mentions + (-1 if rejected else 1))
    )
    if current.latest:
        stored_counts(conn, [article_id], sign=1).apply(conn)


def _filters(
    columns: Any,
    location_ids: Sequence[str] | None,
    since: dt.date | None,
    until: dt.date | None,
    sources: Sequence[str] | None,
    *,
    day: Any = None,
) -> list[sa.ColumnElement[bool]]:
    """Where-clauses of a filter on a count table (``day`` bounds leave out undated rows)."""
    day = columns.day if day is None else day
    since, until = _as_day(since, "since"), _as_day(until, "until")
    if since and until and since > until:
        raise ValueError(f"since {since!r} is after until {until!r}")
    where: list[sa.ColumnElement[bool]] = []
    if location_ids is not None:
        where.append(columns.location_id.in_(_as_list(location_ids, "location_ids")))
    if sources is not None:
        where.append(columns.source.in_(_as_list(sources, "sources")))
    if since:
        where.append(day >= since)
    if until:
        where.append(day <= until)
    if since or until:
        where.append(day > UNDATED)
    return where


def _dated(day: Any) -> sa.ColumnElement[Any]:
    """The day, or NULL for undated counts (so MIN and MAX skip them)."""
    return sa.case((day > UNDATED, day), else_=sa.null())


def _grouped(rows: Any) -> dict[str, list[str]]:
    """Group (key, value) rows into lists per key."""
    grouped: dict[str, list[str]] = {}
    for key, value in rows:
        grouped.setdefault(key, []).append(value)
    return grouped


def _iso(value: dt.date | str | None) -> str | None:
    """Return a date as ISO text (SQLite may hand back text already)."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()
