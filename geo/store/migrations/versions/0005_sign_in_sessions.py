"""Sign-in sessions of the built-in accounts: one row per browser that signed in.

The browser holds a random token in an HttpOnly cookie; the table holds only its SHA-256, so
a copy of the database cannot be replayed as a sign-in. A session ends when it expires, when
its account signs out or is disabled, and with its account (ON DELETE CASCADE).

Revision ID: 0005
Revises: 0004
Create Date: 2024-11-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the sign_in_sessions table."""
    op.create_table(
        "sign_in_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "email",
            sa.String(320),
            sa.ForeignKey(
                "users.email",
                name="fk_sign_in_sessions_email",
                ondelete="CASCADE",
                onupdate="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sign_in_sessions_email", "sign_in_sessions", ["email"])
    op.create_index("ix_sign_in_sessions_expires_at", "sign_in_sessions", ["expires_at"])


def downgrade() -> None:
    """Drop the sign_in_sessions table."""
    op.drop_table("sign_in_sessions")
