"""Known devices of the built-in accounts, and which device each sign-in attempt came from.

A browser that signs in gets a long-lived random token in an HttpOnly cookie; the table holds
only its SHA-256. Failed sign-ins slow an account down, but an attempt from one of its known
devices counts only that device's own failures (``sign_in_attempts.device_hash``), so a
stranger guessing elsewhere cannot hold up the owner. A device is forgotten when it expires,
when the account's password changes, and with its account (ON DELETE CASCADE).

Revision ID: 0007
Revises: 0006
Create Date: 2024-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the sign_in_devices table; add sign_in_attempts.device_hash."""
    op.create_table(
        "sign_in_devices",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "email",
            sa.String(320),
            sa.ForeignKey(
                "users.email",
                name="fk_sign_in_devices_email",
                ondelete="CASCADE",
                onupdate="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_devices_email", "sign_in_devices", ["email"])
    op.create_index("ix_sign_in_devices_expires_at", "sign_in_devices", ["expires_at"])
    op.add_column("sign_in_attempts", sa.Column("device_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop sign_in_attempts.device_hash and the sign_in_devices table."""
    with op.batch_alter_table("sign_in_attempts") as batch:
        batch.drop_column("device_hash")
    op.drop_table("sign_in_devices")
