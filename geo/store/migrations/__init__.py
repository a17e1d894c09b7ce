"""Alembic migrations of the store's schema; :class:`geo.store.database.Store` runs them on open."""
