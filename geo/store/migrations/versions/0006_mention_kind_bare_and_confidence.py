"""Mentions: the kind ``bare`` (a name without its type word) and the extractor's confidence,
with an index to review a place's mentions least sure first.

SQLite cannot change a CHECK constraint in place; Alembic's batch mode copies the table with
the new constraint (indexes and foreign keys come along).

Revision ID: 0006
Revises: 0005
Create Date: 2024-11-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = "kind IN ('explicit', 'anaphoric')"
KINDS_AFTER = "kind IN ('explicit', 'bare', 'anaphoric')"


def upgrade() -> None:
    """Allow kind 'bare'; add ``confidence`` (1.0 for mentions stored before)."""
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("confidence", sa.Float, nullable=False, server_default="1.0"))
        batch.drop_constraint("ck_mentions_kind", type_="check")
        batch.create_check_constraint("ck_mentions_kind", KINDS_AFTER)
        batch.create_check_constraint(
            "ck_mentions_confidence", "confidence >= 0 AND confidence <= 1"
        )
    op.create_index("ix_mentions_location_confidence", "mentions", ["location_id", "confidence"])


def downgrade() -> None:
    """Back to two kinds (bare mentions become explicit) and no confidence."""
    op.execute("UPDATE mentions SET kind = 'explicit' WHERE kind = 'bare'")
    op.drop_index("ix_mentions_location_confidence", table_name="mentions")
    with op.batch_alter_table("mentions") as batch:
        batch.drop_constraint("ck_mentions_confidence", type_="check")
        batch.drop_constraint("ck_mentions_kind", type_="check")
        batch.create_check_constraint("ck_mentions_kind", KINDS_BEFORE)
        batch.drop_column("confidence")
