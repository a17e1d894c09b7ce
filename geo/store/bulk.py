"""Many rows in one statement: PostgreSQL ``COPY`` and array upserts, SQLite ``executemany``.

An ingest batch writes thousands of rows. Sent one ``INSERT`` per row (what a SQLAlchemy
``executemany`` becomes on psycopg), PostgreSQL spends most of an ingest on round trips and
per-statement work; ``COPY`` streams the rows, and an upsert of ``unnest`` arrays sends each
table's rows as one statement. SQLite's ``executemany`` already runs in-process, so it stays.

Both write inside the caller's open transaction (the same driver connection).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection


def insert_rows(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    else:
        conn.execute(sa.insert(table), list(rows))


def upsert_sums(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    added: Sequence[str],
) -> None:
    """Add each row's ``added`` columns to the stored row of its ``keys``, inserting new keys.

    Each key must appear once in ``rows`` (a statement cannot update a row twice).
    """
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        _upsert_arrays(conn, table, rows, keys=keys, added=added)
        return
    if dialect != "sqlite":
        raise ValueError(f"the count tables need SQLite or PostgreSQL, not {dialect!r}")
    insert = sqlite.insert(table)
    statement = insert.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: table.c[column] + insert.excluded[column] for column in added},
    )
    conn.execute(statement, list(rows))


def _copy(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Stream ``rows`` into ``table`` with ``COPY … FROM STDIN``."""
    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(quote(column) for column in columns)})"
    statement = f"COPY {target} FROM STDIN"
    with _cursor(conn, statement) as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def _upsert_arrays(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    added: Sequence[str],
) -> None:
    """One ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE`` for every row."""
    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    types = [table.c[column].type.compile(dialect=conn.dialect) for column in columns]
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    updates = ", ".join(
        f"{quote(column)} = {quote(table.name)}.{quote(column)} + excluded.{quote(column)}"
        for column in added
    )
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(column) for column in columns)}) "
        f"SELECT * FROM unnest({arrays}) "
        f"ON CONFLICT ({', '.join(quote(key) for key in keys)}) DO UPDATE SET {updates}"
    )
    with _cursor(conn, statement) as cursor:
        cursor.execute(statement, [[row[column] for row in rows] for column in columns])


@contextmanager
def _cursor(conn: Connection, statement: str) -> Iterator[Any]:
    """A cursor on the driver connection under ``conn`` (in its transaction).

    Driver errors are raised as SQLAlchemy's (``IntegrityError`` …), as ``conn.execute`` would.
    """
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        with conn.connection.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
            yield cursor
    except dbapi_error as error:
        raise sa.exc.DBAPIError.instance(statement, None, error, dbapi_error) from error
