"""Alembic migrations of the store's schema; :class:`geo.store.Store` runs them on open."""
