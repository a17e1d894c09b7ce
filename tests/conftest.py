"""Database fixtures: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pg

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """Start one PostgreSQL server for the session; yield the URL of its maintenance database.

    Skips when PostgreSQL is not installed, unless ``CI`` is set: CI installs it, so there a
    missing server is a failure.
    """
    bindir = pg.find_bindir()
    try:
        if bindir is None:
            raise pg.PostgresUnavailable(
                "PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin "
                "or on PATH; install the postgresql package"
            )
        with pg.postgres_server(bindir) as url:
            yield url
    except pg.PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL: {exc}")
        pytest.skip(str(exc))
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"PostgreSQL did not start: {exc.cmd}\n{exc.stdout}\n{exc.stderr}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return the URL of an empty database: an SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server_url: str = request.getfixturevalue("postgres_server_url")
    return _create_database(server_url, f"geo_test_{next(_database_numbers)}")


def _create_database(server_url: str, name: str) -> str:
    """Create database ``name`` on the server; return its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
