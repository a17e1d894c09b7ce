"""Settings read from the environment: where the database lives."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DB_URL_ENV = "GEO_DB_URL"
DB_FILENAME = "contested-map.db"
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_POSTGRES_NAMES = frozenset({"postgres", "postgresql"})


def database_url() -> str:
    """Return the store's SQLAlchemy URL: ``GEO_DB_URL``, else an SQLite file under ``var/``."""
    url = os.environ.get(DB_URL_ENV, "").strip()
    if url:
        return normalise_url(url)
    var = _var_dir()
    var.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var / DB_FILENAME}"


def normalise_url(url: str) -> str:
    """Name the psycopg 3 driver in a bare ``postgresql://`` (or ``postgres://``) URL.

    Raises
    ------
    ValueError
        When ``url`` is not an SQLAlchemy database URL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"{DB_URL_ENV} is not a database URL: {url!r}") from exc
    if parsed.drivername in _POSTGRES_NAMES:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _var_dir() -> Path:
    """Return ``var/`` in the source checkout, or in the working directory when installed."""
    if (_PACKAGE_ROOT / "pyproject.toml").is_file():
        return _PACKAGE_ROOT / "var"
    return Path.cwd() / "var"
