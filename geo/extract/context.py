"""Cities and countries also named in the articles: a secondary map layer, off by default."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.extract.geonames import ContextPlace, find_context_places
from geo.extract.mentions import Extractor
from geo.model import Article, Mention

PLACE_COLUMNS = ["article_id", "name", "geonameid", "lat", "lon", "source", "published"]


def context_place_table(articles: Iterable[Article], extractor: Extractor) -> pd.DataFrame:
    """One row per city or country named in each article, outside contested-place mentions."""
    rows = [row for article in articles for row in article_context_places(article, extractor)]
    return pd.DataFrame(rows, columns=PLACE_COLUMNS)


def mentions_and_places(
    extractor: Extractor, text: str
) -> tuple[list[Mention], list[ContextPlace]]:
    """Find the contested-place mentions in ``text``, then the cities and countries outside them."""
    mentions = extractor.extract(text)
    places = find_context_places(text, exclude=[(m.start, m.end) for m in mentions])
    return mentions, places


def article_context_places(article: Article, extractor: Extractor) -> list[dict[str, Any]]:
    """The rows of :func:`context_place_table` for one article."""
    contested = [(m.start, m.end) for m in extractor.extract(article.text)]
    return [
        {
            "article_id": article.id,
            "name": place.name,
            "geonameid": place.geonameid,
            "lat": place.lat,
            "lon": place.lon,
            "source": article.source,
            "published": article.published,
        }
        for place in find_context_places(article.text, exclude=contested)
    ]


def aggregate_context_places(table: pd.DataFrame, article_ids: Iterable[str]) -> gpd.GeoDataFrame:
    """Count the places named in ``article_ids``: one point each, with its counts."""
    missing = [column for column in PLACE_COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"context place table lacks column(s) {missing!r}")
    chosen = table[table["article_id"].isin(set(article_ids))]
    grouped = (
        chosen.groupby(["geonameid", "name", "lat", "lon"], as_index=False)
        .agg(count=("article_id", "size"), articles=("article_id", "nunique"))
        .sort_values(["count", "name"], ascending=[False, True], ignore_index=True)
    )
    geometry = [Point(lon, lat) for lon, lat in zip(grouped["lon"], grouped["lat"], strict=True)]
    return gpd.GeoDataFrame(
        grouped.drop(columns=["lat", "lon"]), geometry=geometry, crs="EPSG:4326"
    )
