"""Built-in accounts, their sign-in attempts (for rate limiting), and reviews of mentions.

Revision ID: 0002
Revises: 0001
Create Date: 2024-09-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMAIL = sa.String(320)  # the longest address RFC 3696 allows


def upgrade() -> None:
    """Create the users, sign_in_attempts and mention_reviews tables."""
    op.create_table(
        "users",
        sa.Column("email", _EMAIL, primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("email", _EMAIL, nullable=False),
        sa.Column("client_key", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_index("ix_sign_in_attempts_email_at", "sign_in_attempts", ["email", "at"])
    op.create_index("ix_sign_in_attempts_client_key_at", "sign_in_attempts", ["client_key", "at"])
    op.create_index("ix_sign_in_attempts_at", "sign_in_attempts", ["at"])
    op.create_table(
        "mention_reviews",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column(
            "article_id",
            sa.String(16),
            sa.ForeignKey("articles.id", name="fk_mention_reviews_article_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("location_id", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewer", _EMAIL, nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.UniqueConstraint(
            "article_id", "location_id", "start", "end", name="uq_mention_reviews_mention"
        ),
        sa.CheckConstraint("status IN ('confirmed', 'rejected')", name="ck_mention_reviews_status"),
    )


def downgrade() -> None:
    """Drop the tables this revision made; articles and mentions are untouched."""
    op.drop_table("mention_reviews")
    op.drop_index("ix_sign_in_attempts_at", table_name="sign_in_attempts")
    op.drop_index("ix_sign_in_attempts_client_key_at", table_name="sign_in_attempts")
    op.drop_index("ix_sign_in_attempts_email_at", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_table("users")
