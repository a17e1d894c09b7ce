"""What the map reads, aggregated at write time: per location and day, per speaker, per place.

Mentions get their article's date and source, whether the article is its latest version, and
whether editors rejected them; four tables hold the per-day counts the map and its filters
read (see ``geo/store/schema.py``). Existing rows are carried over: the counts are built from
the stored mentions. Articles stored before this revision have no context places yet
(``places_scanned`` false): the app finds them when it first opens the store (a few
milliseconds an article).

Revision ID: 0003
Revises: 0002
Create Date: 2024-10-01
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
UNDATED = dt.date(1, 1, 1)  # the count tables' day for undated articles (geo/store/schema.py)


def upgrade() -> None:
    """Add the mention columns and the summary tables, and fill both from stored rows."""
    _add_mention_columns()
    _create_summary_tables()
    _fill_summaries()


def downgrade() -> None:
    """Drop the summary tables and the added columns; articles and mentions keep their rows."""
    for index, table in (
        ("ix_place_days_day", "place_days"),
        ("uq_place_days_key", "place_days"),
        ("ix_article_places_article_id", "article_places"),
        ("uq_article_days_key", "article_days"),
        ("ix_speaker_days_day", "speaker_days"),
        ("uq_speaker_days_key", "speaker_days"),
        ("ix_mention_days_day", "mention_days"),
        ("uq_mention_days_key", "mention_days"),
    ):
        op.drop_index(index, table_name=table)
    for table in ("place_days", "article_places", "article_days", "speaker_days", "mention_days"):
        op.drop_table(table)
    op.drop_index("ix_mentions_location_published", table_name="mentions")
    with op.batch_alter_table("mentions") as batch:
        for column in ("rejected", "latest", "source", "published"):
            batch.drop_column(column)
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("title_derived")
        batch.drop_column("counted_mentions")
        batch.drop_column("places_scanned")


def _add_mention_columns() -> None:
    op.add_column("mentions", sa.Column("published", sa.Date, nullable=True))
    op.add_column("mentions", sa.Column("source", sa.Text, nullable=True))
    op.add_column(
        "mentions", sa.Column("latest", sa.Boolean, nullable=False, server_default=sa.true())
    )
    op.add_column(
        "mentions", sa.Column("rejected", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column(
        "articles",
        sa.Column("places_scanned", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "articles",
        sa.Column("counted_mentions", sa.Integer, nullable=False, server_default="0"),
    )
    op.add_column(
        "articles",
        sa.Column("title_derived", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.execute(
        "UPDATE mentions SET"
        " published = (SELECT a.published FROM articles a WHERE a.id = mentions.article_id),"
        " source = (SELECT a.source FROM articles a WHERE a.id = mentions.article_id),"
        " latest = (SELECT a.superseded_by IS NULL FROM articles a"
        "           WHERE a.id = mentions.article_id)"
    )
    op.execute(
        "UPDATE mentions SET rejected = (1 = 1) WHERE EXISTS (SELECT 1 FROM mention_reviews r"
        " WHERE r.article_id = mentions.article_id AND r.location_id = mentions.location_id"
        ' AND r.start = mentions.start AND r."end" = mentions."end"'
        " AND r.status = 'rejected')"
    )
    op.execute(
        "UPDATE articles SET counted_mentions = (SELECT COUNT(*) FROM mentions m"
        " WHERE m.article_id = articles.id AND NOT m.rejected)"
    )
    # Quotes page newest first, undated last: PostgreSQL's DESC puts NULLs first unless told;
    # SQLite's already puts them last (and has no NULLS LAST in an index).
    newest = (
        "published DESC NULLS LAST"
        if op.get_bind().dialect.name == "postgresql"
        else ("published DESC")
    )
    op.create_index(
        "ix_mentions_location_published",
        "mentions",
        ["location_id", sa.text(newest), "article_id", "start"],
    )


def _create_summary_tables() -> None:
    op.create_table(
        "mention_days",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("location_id", sa.Text, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("mentions", sa.Integer, nullable=False),
        sa.Column("explicit", sa.Integer, nullable=False),
        sa.Column("anaphoric", sa.Integer, nullable=False),
        sa.Column("articles", sa.Integer, nullable=False),
    )
    op.create_index(
        "uq_mention_days_key", "mention_days", ["location_id", "day", "source"], unique=True
    )
    op.create_index("ix_mention_days_day", "mention_days", ["day"])
    op.create_table(
        "speaker_days",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("location_id", sa.Text, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("speaker", sa.Text, nullable=False),
        sa.Column("mentions", sa.Integer, nullable=False),
    )
    op.create_index(
        "uq_speaker_days_key",
        "speaker_days",
        ["location_id", "day", "source", "speaker"],
        unique=True,
    )
    op.create_index("ix_speaker_days_day", "speaker_days", ["day"])
    op.create_table(
        "article_days",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("articles", sa.Integer, nullable=False),
    )
    op.create_index("uq_article_days_key", "article_days", ["day", "source"], unique=True)
    op.create_table(
        "article_places",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "article_id",
            sa.String(16),
            sa.ForeignKey("articles.id", name="fk_article_places_article_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("geonameid", sa.BigInteger, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("mentions", sa.Integer, nullable=False),
    )
    op.create_index("ix_article_places_article_id", "article_places", ["article_id"])
    op.create_table(
        "place_days",
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
    op.create_index("uq_place_days_key", "place_days", ["geonameid", "day", "source"], unique=True)
    op.create_index("ix_place_days_day", "place_days", ["day"])


def _fill_summaries() -> None:
    counted = "FROM mentions WHERE latest AND NOT rejected"
    day, source = "COALESCE(published, :undated)", "COALESCE(source, '')"
    undated = sa.bindparam("undated", UNDATED, type_=sa.Date)
    op.get_bind().execute(
        sa.text(
            "INSERT INTO mention_days"
            " (location_id, day, source, mentions, explicit, anaphoric, articles)"
            f" SELECT location_id, {day}, {source}, COUNT(*),"
            " SUM(CASE WHEN kind = 'explicit' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN kind = 'anaphoric' THEN 1 ELSE 0 END),"
            f" COUNT(DISTINCT article_id) {counted} GROUP BY location_id, {day}, {source}"
        ).bindparams(undated)
    )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO article_days (day, source, articles)"
            f" SELECT {day}, {source}, COUNT(DISTINCT article_id) {counted}"
            f" GROUP BY {day}, {source}"
        ).bindparams(undated)
    )
    speaker = "COALESCE(speaker, '')"
    op.get_bind().execute(
        sa.text(
            "INSERT INTO speaker_days (location_id, day, source, speaker, mentions)"
            f" SELECT location_id, {day}, {source}, {speaker}, COUNT(*) {counted}"
            f" GROUP BY location_id, {day}, {source}, {speaker}"
        ).bindparams(undated)
    )
