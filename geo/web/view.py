"""What one view of the map reads from the store, counted in SQL: no Streamlit in here.

A filter change costs a few aggregate queries over the per-day count tables, one short query
per mentioned place for its popup's newest quotes, and one for the context places; a place's
quotes are read a page at a time. Nothing here grows with the number of stored mentions
except the database's own index ranges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.maps.join import join_stats, quote_records
from geo.places import Gazetteer
from geo.store import Store

POPUP_QUOTES = 3
"""Newest quotes shown in a place's popup; the side panel pages through the rest."""
QUOTES_PAGE = 50
"""Mentions read per page of a place's quotes."""


@dataclass(frozen=True)
class ViewFilter:
    """The sidebar's filter: a date range, locations and sources (empty: all)."""

    since: dt.date | None = None
    until: dt.date | None = None
    locations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    """Quotes of these speakers only (the map's counts are every speaker's)."""
    as_of: dt.date | None = None
    """Day whose version of each place is drawn; None: ``until``, else today."""

    def dates_and_sources(self) -> dict[str, Any]:
        """Keyword arguments of the store's queries for the dates and sources."""
        return {"since": self.since, "until": self.until, "sources": list(self.sources) or None}

    def quotes_filter(self) -> dict[str, Any]:
        """Keyword arguments of :meth:`Store.quotes` for the whole filter but the location."""
        return {**self.dates_and_sources(), "speakers": list(self.speakers) or None}

    def everything(self) -> dict[str, Any]:
        """Keyword arguments of the store's queries for the whole filter."""
        return {**self.dates_and_sources(), "location_ids": list(self.locations) or None}


@dataclass(frozen=True)
class MapData:
    """What the map and the line under it show for one filter."""

    located: gpd.GeoDataFrame
    """One row per contested location (``join_stats``), with its popup's newest quotes."""
    places: gpd.GeoDataFrame
    """Cities and countries the filtered articles name: ``geonameid, name, count, articles``."""
    mentions: int
    articles: int


def load_map_data(store: Store, gazetteer: Gazetteer, view: ViewFilter) -> MapData:
    """Read everything the map shows for ``view`` from the store's count tables."""
    stats = store.location_stats(**view.everything(), with_speakers=False)
    newest = {
        location: quote_records(
            store.quotes(location, **view.quotes_filter(), limit=POPUP_QUOTES * 4)
        )[:POPUP_QUOTES]
        for location in stats["location_id"]
    }
    features = gazetteer.features
    contested = features[features["role"] == "contested"]
    located = join_stats(stats, contested, quotes=newest, as_of=view.as_of or view.until)
    places = context_points(store.place_stats(**view.dates_and_sources()))
    articles = count_articles(store, view, stats)
    return MapData(located, places, int(stats["count"].sum()), articles)


def count_articles(store: Store, view: ViewFilter, stats: pd.DataFrame) -> int:
    """Articles with a counted mention in the view; one place's come with its counts."""
    if stats.empty:
        return 0
    if len(view.locations) == 1:  # an article has one day and one source: its counts add up
        return int(stats["articles"].sum())
    return store.count_mentioning_articles(**view.everything())


def load_quotes(
    store: Store, location: str, view: ViewFilter, pages: int = 1
) -> tuple[list[dict[str, Any]], int, bool]:
    """Return a place's quotes from its first ``pages`` pages, newest first.

    Returns
    -------
    tuple
        The quotes (``quote_records``), how many mentions they hold, and whether more remain.
    """
    if pages < 1:
        raise ValueError(f"pages must be at least 1, got {pages!r}")
    limit = pages * QUOTES_PAGE
    rows = store.quotes(location, **view.quotes_filter(), limit=limit + 1)
    more = len(rows) > limit
    rows = rows.iloc[:limit]
    return quote_records(rows), len(rows), more


@dataclass(frozen=True)
class SpeakerGroup:
    """One speaker's quotes on a place: who, how often, when, and the newest quotes."""

    speaker: str | None
    """None: the article's own voice."""
    count: int
    first_mention: str | None
    last_mention: str | None
    quotes: list[dict[str, Any]]


def load_speaker_groups(
    store: Store, location: str, view: ViewFilter, *, groups: int = 6, per_group: int = 3
) -> list[SpeakerGroup]:
    """Return what each side says about a place: the most quoted speakers, newest quotes each."""
    stats = store.speaker_stats(location, **view.dates_and_sources())
    if view.speakers:
        stats = stats[stats["speaker"].isin(view.speakers)]
    found = []
    for row in stats.head(groups).to_dict("records"):
        speaker = row["speaker"] if isinstance(row["speaker"], str) else None
        rows = store.quotes(
            location, **view.dates_and_sources(), speakers=[speaker], limit=per_group * 4
        )
        quotes = quote_records(rows)[:per_group]
        found.append(
            SpeakerGroup(
                speaker, int(row["count"]), row["first_mention"], row["last_mention"], quotes
            )
        )
    return found


def context_points(stats: pd.DataFrame) -> gpd.GeoDataFrame:
    """Turn ``Store.place_stats`` rows into points (EPSG:4326) for the map's context layer."""
    geometry = [Point(lon, lat) for lon, lat in zip(stats["lon"], stats["lat"], strict=True)]
    return gpd.GeoDataFrame(
        stats.drop(columns=["lat", "lon"]).reset_index(drop=True),
        geometry=geometry,
        crs="EPSG:4326",
    )
