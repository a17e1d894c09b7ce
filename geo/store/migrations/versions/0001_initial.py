"""Articles with versions, their mentions, and the store's write counter.

Revision ID: 0001
Revises:
Create Date: 2024-08-23
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LATEST_WITH_URL = sa.text("superseded_by IS NULL AND url IS NOT NULL")


def upgrade() -> None:
    """Create the articles, mentions and store_state tables."""
    op.create_table(
        "articles",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("published", sa.Date, nullable=True),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column(
            "superseded_by",
            sa.String(16),
            sa.ForeignKey(
                "articles.id",
                name="fk_articles_superseded_by",
                deferrable=True,
                initially="DEFERRED",
            ),
            nullable=True,
        ),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name="ck_articles_version"),
    )
    op.create_index("ix_articles_url", "articles", ["url"])
    op.create_index("ix_articles_published", "articles", ["published"])
    op.create_index(
        "uq_articles_latest_url",
        "articles",
        ["url"],
        unique=True,
        sqlite_where=_LATEST_WITH_URL,
        postgresql_where=_LATEST_WITH_URL,
    )
    op.create_table(
        "mentions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column(
            "article_id",
            sa.String(16),
            sa.ForeignKey("articles.id", name="fk_mentions_article_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("location_id", sa.Text, nullable=False),
        sa.Column("surface", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("speaker", sa.Text, nullable=True),
        sa.CheckConstraint('start >= 0 AND "end" > start', name="ck_mentions_span"),
        sa.CheckConstraint("kind IN ('explicit', 'anaphoric')", name="ck_mentions_kind"),
    )
    op.create_index("ix_mentions_location_id", "mentions", ["location_id"])
    op.create_index("ix_mentions_article_id", "mentions", ["article_id"])
    state = op.create_table(
        "store_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("generation", sa.String(32), nullable=False),
        sa.Column("writes", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_store_state_single_row"),
    )
    op.bulk_insert(state, [{"id": 1, "generation": uuid.uuid4().hex, "writes": 0}])


def downgrade() -> None:
    """Drop every table of the store."""
    op.drop_table("store_state")
    op.drop_table("mentions")
    op.drop_table("articles")
