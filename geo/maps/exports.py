"""Publishable outputs: per-location GeoJSON, a GeoPackage for GIS desks, a standalone HTML map
that works offline, and CSV.

Every CSV the project writes goes through :func:`mentions_csv`, which makes text cells inert for
spreadsheets (OWASP "CSV Injection"): article titles, sources and sentences are untrusted input.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import pyogrio

from geo.maps.assets import inline_assets, load_outlines
from geo.maps.join import STAT_COLUMNS, join_mentions
from geo.maps.mapview import Assets, build_map
from geo.maps.printmap import map_png
from geo.places.labels import GEONAMES_ATTRIBUTION, Label, basemap_labels
from geo.places.layers import Gazetteer

# A cell starting with one of these may be read as a formula by Excel, LibreOffice or Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

EXPORT_COLUMNS = (
    "location_id",
    "name",
    "kind",
    *STAT_COLUMNS,
    "historic",
    "valid_from",
    "valid_to",
)


def located_map(
    mentions: pd.DataFrame,
    gazetteer: Gazetteer,
    assets: Assets,
    *,
    as_of: dt.date | None = None,
    **options: Any,
) -> tuple[gpd.GeoDataFrame, folium.Map]:
    """Join mentions to the gazetteer's contested layers and draw them over the outlines."""
    located = locate(mentions, gazetteer, as_of=as_of)
    return located, draw(located, gazetteer, assets, **options)


def locate(
    mentions: pd.DataFrame, gazetteer: Gazetteer, *, as_of: dt.date | None = None
) -> gpd.GeoDataFrame:
    """Join mentions to the gazetteer's contested layers: one row per location."""
    features = gazetteer.features
    return join_mentions(mentions, features[features["role"] == "contested"], as_of=as_of)


def draw(
    located: gpd.GeoDataFrame, gazetteer: Gazetteer, assets: Assets, **options: Any
) -> folium.Map:
    """Draw located places over the region outlines, fitted to the context layer (the Strip)."""
    return build_map(
        located,
        assets=assets,
        outlines=load_outlines(),
        attributions=[*gazetteer.attributions(), GEONAMES_ATTRIBUTION],
        bounds=gazetteer.context_bounds,
        labels=_labels_around(gazetteer.context_bounds),
        **options,
    )


def _labels_around(bounds: tuple[float, float, float, float] | None) -> list[Label]:
    """Basemap names within about 60 km of the context layers (the Strip)."""
    if bounds is None:
        return []
    min_lon, min_lat, max_lon, max_lat = bounds
    return basemap_labels((min_lon - 0.6, min_lat - 0.5, max_lon + 0.6, max_lat + 0.5))


def locations_geojson(
    mentions: pd.DataFrame, gazetteer: Gazetteer, *, as_of: dt.date | None = None
) -> str:
    """RFC 7946 FeatureCollection: one feature per location (its version as of ``as_of``, None:
    today) with counts, first and last mention, and quotes."""
    located = locate(mentions, gazetteer, as_of=as_of)
    features = [
        {
            "type": "Feature",
            "properties": {column: _plain(getattr(row, column)) for column in EXPORT_COLUMNS},
            "geometry": row.geometry.__geo_interface__,
        }
        for row in located.itertuples(index=False)
    ]
    collection = {
        "type": "FeatureCollection",
        "attribution": "; ".join(gazetteer.attributions()),
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, indent=1) + "\n"


GEOPACKAGE_LAYERS = ("places", "mentions")
GEOPACKAGE_MENTION_COLUMNS = (
    "location_id",
    "surface",
    "start",
    "end",
    "kind",
    "speaker",
    "confidence",
    "sentence",
    "title",
    "source",
    "published",
    "url",
    "article_id",
)


def locations_geopackage(
    mentions: pd.DataFrame, gazetteer: Gazetteer, *, as_of: dt.date | None = None
) -> bytes:
    """A GeoPackage for GIS desks: layer ``places`` (each location's shape as of ``as_of``, with
    its counts and first and last mention) and layer ``mentions`` (a table, one row a quote).

    Parameters
    ----------
    mentions
        One row per mention, with the store's mention columns.
    gazetteer
        The places; their shapes are EPSG:4326 (WGS84 lon/lat), as the GeoPackage records.
    as_of
        Day whose version of each place is written; None: today.
    """
    missing = [c for c in GEOPACKAGE_MENTION_COLUMNS if c not in mentions.columns]
    if missing:
        raise ValueError(f"mentions lack the columns {missing!r}")
    places = _places_table(locate(mentions, gazetteer, as_of=as_of))
    quotes = pd.DataFrame(mentions.loc[:, list(GEOPACKAGE_MENTION_COLUMNS)]).reset_index(drop=True)
    quotes["published"] = quotes["published"].map(_iso_day)
    with tempfile.TemporaryDirectory(prefix="geo-export-") as folder:
        path = Path(folder) / "places.gpkg"
        pyogrio.write_dataframe(places, path, layer="places", driver="GPKG")
        pyogrio.write_dataframe(quotes, path, layer="mentions", driver="GPKG")
        return path.read_bytes()


def _places_table(located: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The export columns of located places, dates as ISO text, CRS checked to be EPSG:4326."""
    if located.crs is None or located.crs.to_epsg() != 4326:
        raise ValueError(f"places must be in EPSG:4326 (lon/lat), not {located.crs!r}")
    columns = [column for column in EXPORT_COLUMNS if column != "quotes"]  # layer "mentions"
    table = pd.DataFrame({column: located[column].map(_field) for column in columns})
    return gpd.GeoDataFrame(table, geometry=located.geometry.values, crs=located.crs)


def _field(value: Any) -> Any:
    """A GeoPackage field: lists (sources, speakers) as JSON text, dates as ISO text."""
    plain = _plain(value)
    return json.dumps(plain, ensure_ascii=False) if isinstance(plain, (list, dict)) else plain


def _iso_day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def print_png(
    mentions: pd.DataFrame, gazetteer: Gazetteer, *, as_of: dt.date | None = None
) -> bytes:
    """The map for print (PNG): the places as of ``as_of`` with their counts, titled with the
    dates and sources of ``mentions`` and carrying the attributions."""
    located = locate(mentions, gazetteer, as_of=as_of)
    return map_png(
        located,
        load_outlines(),
        title="Contested places in the news",
        subtitle=_what_it_shows(mentions, as_of),
        attributions=[*gazetteer.attributions(), GEONAMES_ATTRIBUTION],
        bounds=gazetteer.context_bounds,
    )


def _what_it_shows(mentions: pd.DataFrame, as_of: dt.date | None) -> str:
    """One line: how many mentions and articles, published when, from which sources."""
    days = sorted(day for day in mentions["published"] if isinstance(day, dt.date))
    dates = f"published {days[0].isoformat()} to {days[-1].isoformat()}" if days else "undated"
    sources = sorted({str(s) for s in mentions["source"] if isinstance(s, str) and s})
    shown = ", ".join(sources[:6]) + (f" and {len(sources) - 6} more" if len(sources) > 6 else "")
    articles = mentions["article_id"].nunique()
    return (
        f"{len(mentions)} mentions in {articles} articles, {dates}"
        + (f"; sources: {shown}" if shown else "")
        + f"; places as they stood on {(as_of or dt.date.today()).isoformat()}"
    )


def standalone_html(
    mentions: pd.DataFrame, gazetteer: Gazetteer, *, as_of: dt.date | None = None
) -> str:
    """A single HTML file with Leaflet inlined: opens offline, for a graphics desk."""
    _, fmap = located_map(mentions, gazetteer, inline_assets(), as_of=as_of)
    html: str = fmap.get_root().render()
    return html


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict, str, bool, int, float)) or value is None:
        return value
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else str(value)


def inert_cell(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet could read as a formula, even after leading spaces."""
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def inert_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are inert; numbers, dates and nulls are unchanged."""
    inert = frame.copy()
    for column in inert.columns:
        if not pd.api.types.is_numeric_dtype(inert[column]):
            inert[column] = inert[column].map(_inert_if_text)
    return inert


def mentions_csv(mentions: pd.DataFrame) -> str:
    """Mentions as RFC 4180 CSV (CRLF, a header, no index) with every text cell made inert."""
    # CRLF, so that a cell holding a lone CR is quoted: left bare, a spreadsheet starts a new
    # row there, and "x\r=1+1" becomes a cell "=1+1".
    text: str = inert_text(mentions).to_csv(index=False, lineterminator="\r\n")
    return text


def _inert_if_text(value: Any) -> Any:
    return inert_cell(value) if isinstance(value, str) else value
