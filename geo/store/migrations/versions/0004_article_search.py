"""Full-text search over articles: SQLite FTS5, PostgreSQL tsvector with a GIN index.

SQLite: an external-content FTS5 table over the articles' title and text (``unicode61`` with
diacritics removed, so "Netzarim" finds "Nétzarim"), kept in step by triggers. PostgreSQL: a
generated ``search`` column, ``to_tsvector('simple', title || text)`` (no stemming: the
archive mixes languages), with a GIN index.

Revision ID: 0004
Revises: 0003
Create Date: 2024-10-15
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles',"
    " content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO articles_fts(rowid, title, text) SELECT rowid, title, text FROM articles",
    "CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN"
    " INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END",
    "CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN"
    " INSERT INTO articles_fts(articles_fts, rowid, title, text)"
    " VALUES ('delete', old.rowid, old.title, old.text); END",
    "CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN"
    " INSERT INTO articles_fts(articles_fts, rowid, title, text)"
    " VALUES ('delete', old.rowid, old.title, old.text);"
    " INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER articles_fts_update",
    "DROP TRIGGER articles_fts_delete",
    "DROP TRIGGER articles_fts_insert",
    "DROP TABLE articles_fts",
)
POSTGRES_UP = (
    "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS"
    " (to_tsvector('simple', coalesce(title, '') || ' ' || text)) STORED",
    "CREATE INDEX ix_articles_search ON articles USING gin (search)",
)
POSTGRES_DOWN = ("DROP INDEX ix_articles_search", "ALTER TABLE articles DROP COLUMN search")


def upgrade() -> None:
    """Add the search index of the database in use."""
    for statement in _statements(SQLITE_UP, POSTGRES_UP):
        op.execute(statement)


def downgrade() -> None:
    """Drop the search index; articles keep every row."""
    for statement in _statements(SQLITE_DOWN, POSTGRES_DOWN):
        op.execute(statement)


def _statements(sqlite: Sequence[str], postgres: Sequence[str]) -> Sequence[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite
    if dialect == "postgresql":
        return postgres
    raise ValueError(f"article search needs SQLite or PostgreSQL, not {dialect!r}")
