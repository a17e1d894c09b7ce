"""Process-wide handles: the gazetteer, its extractor and the store, each built once."""

from __future__ import annotations

from functools import cache

from geo.extract.mentions import Extractor
from geo.places.layers import Gazetteer, load_gazetteer
from geo.store.database import Store


@cache
def gazetteer() -> Gazetteer:
    """The shipped location layers (data/layers)."""
    return load_gazetteer()


@cache
def extractor() -> Extractor:
    """The mention extractor built from the shipped gazetteer."""
    return Extractor.from_gazetteer(gazetteer())


def open_store(url: str | None = None) -> Store:
    """Open the store at ``url`` (default: ``GEO_DB_URL`` or the local SQLite file)."""
    return Store(url)
