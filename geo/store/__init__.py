"""Store: articles and their mentions in SQLite (the default) or PostgreSQL, schema by Alembic.

Hands on what a reader asks for, aggregated in SQL: mentions by filter, sources, date spans,
and the revision that tells cached views to refresh.
"""

from geo.store.config import database_url
from geo.store.database import IngestOutcome, Store

__all__ = ["IngestOutcome", "Store", "database_url"]
