"""Context places: cities and countries named beside the contested places, counted per view."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo.extract.context import aggregate_context_places, context_place_table
from geo.extract.mentions import Extractor
from geo.model import Article
from geo.places.layers import load_gazetteer


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor.from_gazetteer(load_gazetteer())


def article(article_id: str, text: str) -> Article:
    return Article(article_id, "T", "Wire", dt.date(2024, 8, 23), None, text)


def test_places_are_found_per_article(extractor):
    table = context_place_table(
        [
            article("a" * 16, "Talks in Cairo went on. Qatar and Egypt mediate."),
            article("b" * 16, "Officials met again in Cairo on the Rafah crossing."),
        ],
        extractor,
    )
    assert set(table["name"]) >= {"Cairo", "Qatar", "Egypt"}
    located = aggregate_context_places(table, ["a" * 16, "b" * 16]).set_index("name")
    assert located.loc["Cairo", "count"] == 2 and located.loc["Cairo", "articles"] == 2
    assert located.crs == "EPSG:4326"


def test_only_articles_in_the_view_count(extractor):
    table = context_place_table([article("a" * 16, "Talks in Cairo.")], extractor)
    assert aggregate_context_places(table, ["c" * 16]).empty


def test_names_inside_contested_mentions_are_not_places(extractor):
    table = context_place_table([article("a" * 16, "The Rafah crossing was shut.")], extractor)
    assert "Rafah" not in set(table["name"])


def test_malformed_table_is_refused():
    with pytest.raises(ValueError, match="'geonameid'"):
        aggregate_context_places(pd.DataFrame({"article_id": []}), [])
