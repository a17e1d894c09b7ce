"""Alembic environment: migrate the connection a Store hands over, or the GEO_DB_URL database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

from geo.store.config import database_url, normalise_url
from geo.store.schema import METADATA

config = context.config


def run_migrations_offline() -> None:
    """Print the SQL of the migrations for the configured database instead of running it."""
    context.configure(url=_url(), target_metadata=METADATA, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the Store's connection, or on a new one to the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=NullPool)
    with engine.connect() as connection:
        _run(connection)


def _url() -> str:
    """Return ``sqlalchemy.url`` from the Alembic config, else the store's configured database."""
    url = config.get_main_option("sqlalchemy.url")
    return normalise_url(url) if url else database_url()


def _run(connection: Connection) -> None:
    """Migrate through ``connection``, in its transaction when it already has one."""
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
