"""The store's tables as the migrations leave them; queries and writes use these objects.

Besides articles and mentions, four tables hold what the map reads, kept up to date in the
same transaction as every write (see :mod:`geo.store.summaries`):

Their key columns are never NULL (:data:`UNDATED`, :data:`NO_NAME` stand in), so each key
has one row under a unique index and writes are upserts.

- ``mention_days``: per location, day and source, the mentions, the names among them (explicit
  or bare; column ``explicit``), the anaphoric ones, and articles (an article has one day and
  one source, so articles add up);
- ``speaker_days``: per location, day, source and speaker, the mentions;
- ``article_days``: per day and source, the articles with at least one counted mention;
- ``article_places``: the cities and countries (GeoNames) each article names, found at ingest;
- ``place_days``: per place, day and source, the mentions and articles naming it.

Only the latest version of an article counts, and a mention editors rejected does not. The
mentions table repeats its article's ``published`` and ``source`` (and whether it is the latest
version, and whether it was rejected) so a place's quotes page in order from one index.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

METADATA = sa.MetaData()
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

articles_table = sa.Table(
    "articles",
    METADATA,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("url", sa.Text, nullable=True, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("title_derived", sa.Boolean, nullable=False, server_default=sa.false()),
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
    sa.Column("places_scanned", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("counted_mentions", sa.Integer, nullable=False, server_default="0"),
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
    sa.Column("id", _ID, primary_key=True),
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
    sa.Column("confidence", sa.Float, nullable=False, server_default="1.0"),
    sa.Column("published", sa.Date, nullable=True),
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("latest", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("rejected", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.CheckConstraint('start >= 0 AND "end" > start', name="ck_mentions_span"),
    sa.CheckConstraint("kind IN ('explicit', 'bare', 'anaphoric')", name="ck_mentions_kind"),
    sa.CheckConstraint("confidence >= 0 AND confidence <= 1", name="ck_mentions_confidence"),
)
# A place's quotes, newest first: one index range per location, in the order they are read.
sa.Index(
    "ix_mentions_location_published",
    mentions_table.c.location_id,
    mentions_table.c.published.desc(),
    mentions_table.c.article_id,
    mentions_table.c.start,
)

# The review page: a place's mentions the extractor is least sure of first.
sa.Index(
    "ix_mentions_location_confidence", mentions_table.c.location_id, mentions_table.c.confidence
)

state_table = sa.Table(
    "store_state",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.String(32), nullable=False),
    sa.Column("writes", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="ck_store_state_single_row"),
)

mention_days_table = sa.Table(
    "mention_days",
    METADATA,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("location_id", sa.Text, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("mentions", sa.Integer, nullable=False),
    sa.Column("explicit", sa.Integer, nullable=False),
    sa.Column("anaphoric", sa.Integer, nullable=False),
    sa.Column("articles", sa.Integer, nullable=False),
)
sa.Index(
    "uq_mention_days_key",
    *(mention_days_table.c[c] for c in ("location_id", "day", "source")),
    unique=True,
)
sa.Index("ix_mention_days_day", mention_days_table.c.day)

speaker_days_table = sa.Table(
    "speaker_days",
    METADATA,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("location_id", sa.Text, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("speaker", sa.Text, nullable=False),
    sa.Column("mentions", sa.Integer, nullable=False),
)
sa.Index(
    "uq_speaker_days_key",
    *(speaker_days_table.c[c] for c in ("location_id", "day", "source", "speaker")),
    unique=True,
)
sa.Index("ix_speaker_days_day", speaker_days_table.c.day)

article_days_table = sa.Table(
    "article_days",
    METADATA,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("articles", sa.Integer, nullable=False),
)
sa.Index("uq_article_days_key", article_days_table.c.day, article_days_table.c.source, unique=True)

article_places_table = sa.Table(
    "article_places",
    METADATA,
    sa.Column("id", _ID, primary_key=True),
    sa.Column(
        "article_id",
        sa.String(16),
        sa.ForeignKey("articles.id", name="fk_article_places_article_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("geonameid", sa.BigInteger, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("mentions", sa.Integer, nullable=False),
)

place_days_table = sa.Table(
    "place_days",
    METADATA,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("geonameid", sa.BigInteger, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("mentions", sa.Integer, nullable=False),
    sa.Column("articles", sa.Integer, nullable=False),
)
sa.Index(
    "uq_place_days_key",
    *(place_days_table.c[c] for c in ("geonameid", "day", "source")),
    unique=True,
)
sa.Index("ix_place_days_day", place_days_table.c.day)

UNDATED = dt.date(1, 1, 1)
"""``day`` of an undated article's counts (key columns of the count tables are never NULL)."""
NO_NAME = ""
"""``source`` or ``speaker`` of counts where the article names none (the article's own voice)."""

LATEST = articles_table.c.superseded_by.is_(None)
"""Where-clause for the latest version of each article."""
