"""Join stored mentions to location layers: one row per location, ready to map."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.store.database import LOCATION_STAT_COLUMNS

MENTION_COLUMNS = (
    "article_id",
    "location_id",
    "surface",
    "kind",
    "sentence",
    "speaker",
    "title",
    "source",
    "published",
)
# What join_mentions adds to each location's layer properties.
STAT_COLUMNS = (
    "count",
    "explicit",
    "anaphoric",
    "articles",
    "first_mention",
    "last_mention",
    "sources",
    "speakers",
    "quotes",
    "quote_count",
)
LAYER_COLUMNS = ("location_id", "name", "kind", "valid_from", "valid_to", "geometry")
WGS84 = "EPSG:4326"


def join_mentions(
    mentions: pd.DataFrame,
    features: gpd.GeoDataFrame,
    *,
    as_of: dt.date | None = None,
    max_quotes: int = 50,
) -> gpd.GeoDataFrame:
    """Aggregate mentions per location and attach each location's geometry.

    Parameters
    ----------
    mentions
        One row per mention, with at least the columns in ``MENTION_COLUMNS``.
    features
        Layer features in EPSG:4326 (``Gazetteer.features``), possibly several dated versions of
        one location.
    as_of
        Date whose geometry version is drawn; ``None`` means today. A location with no version
        valid on that date is drawn with its nearest earlier version, flagged ``historic``.
    max_quotes
        Most quotes kept per location (newest first); ``quote_count`` keeps the full number.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per location (mentioned or not), columns ``location_id, name, kind, count,
        explicit, anaphoric, articles, first_mention, last_mention, sources, speakers, quotes,
        quote_count, historic, valid_from, valid_to, geometry`` plus the other layer properties
        (the layer's own ``sources`` as ``geometry_sources``), CRS EPSG:4326, sorted by count
        (descending) then name.
    """
    _check_columns(mentions, MENTION_COLUMNS, "mentions")
    _check_columns(features, LAYER_COLUMNS, "features")
    _check_crs(features)
    versions = select_versions(features, as_of or dt.date.today())
    versions = versions.drop(columns=["aliases"], errors="ignore").rename(
        columns={"sources": "geometry_sources"}
    )
    known = mentions[mentions["location_id"].isin(versions["location_id"])]
    stats = _aggregate(known, max_quotes)
    joined = versions.merge(stats, on="location_id", how="left")
    joined = _fill_unmentioned(joined)
    joined = joined.sort_values(["count", "name"], ascending=[False, True], ignore_index=True)
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=features.crs)


def join_stats(
    stats: pd.DataFrame,
    features: gpd.GeoDataFrame,
    *,
    quotes: dict[str, list[dict[str, Any]]] | None = None,
    as_of: dt.date | None = None,
) -> gpd.GeoDataFrame:
    """Attach counts aggregated elsewhere (in SQL) to each location's geometry.

    Parameters
    ----------
    stats
        One row per mentioned location, columns ``LOCATION_STAT_COLUMNS``
        (``Store.location_stats``).
    features
        Layer features in EPSG:4326, as for :func:`join_mentions`.
    quotes
        The newest quotes of each location (``quote_records`` of its first page), for popups.
    as_of
        Date whose geometry version is drawn; ``None`` means today.

    Returns
    -------
    geopandas.GeoDataFrame
        The columns :func:`join_mentions` returns; ``quote_count`` is the mention count.
    """
    _check_columns(stats, LOCATION_STAT_COLUMNS, "stats")
    _check_columns(features, LAYER_COLUMNS, "features")
    _check_crs(features)
    versions = select_versions(features, as_of or dt.date.today())
    versions = versions.drop(columns=["aliases"], errors="ignore").rename(
        columns={"sources": "geometry_sources"}
    )
    known = stats[stats["location_id"].isin(versions["location_id"])].copy()
    known["quotes"] = pd.Series(
        [list((quotes or {}).get(loc, [])) for loc in known["location_id"]],
        index=known.index,
        dtype=object,
    )
    known["quote_count"] = known["count"]
    joined = versions.merge(known[["location_id", *STAT_COLUMNS]], on="location_id", how="left")
    joined = _fill_unmentioned(joined)
    joined = joined.sort_values(["count", "name"], ascending=[False, True], ignore_index=True)
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=features.crs)


def select_versions(features: gpd.GeoDataFrame, as_of: dt.date) -> gpd.GeoDataFrame:
    """Pick, per location, the feature version valid on ``as_of`` (else the latest earlier one).

    A location with no version valid on ``as_of`` gets its version that ended last before it
    (or, if all lie ahead, the first one), flagged ``historic``.
    """
    _check_columns(features, LAYER_COLUMNS, "features")
    versions: dict[Any, list[tuple[int, dt.date | None, dt.date | None]]] = {}
    rows = zip(features["location_id"], features["valid_from"], features["valid_to"], strict=True)
    for position, (location_id, valid_from, valid_to) in enumerate(rows):
        versions.setdefault(location_id, []).append(
            (position, _optional_date(valid_from), _optional_date(valid_to))
        )
    picks = [_pick_version(candidates, as_of) for candidates in versions.values()]
    picked = features.iloc[[position for position, _ in picks]].reset_index(drop=True)
    picked["historic"] = [historic for _, historic in picks]
    return picked


def _pick_version(
    candidates: list[tuple[int, dt.date | None, dt.date | None]], day: dt.date
) -> tuple[int, bool]:
    """Return (position, historic) of the version to draw on ``day``."""
    for position, start, end in candidates:
        if (start is None or start <= day) and (end is None or day < end):
            return position, False
    ended = [(end, position) for position, _, end in candidates if end is not None and end <= day]
    if ended:
        return max(ended)[1], True
    return min(candidates, key=lambda c: c[2] or dt.date.max)[0], True


def quote_records(mentions: pd.DataFrame, limit: int | None = None) -> list[dict[str, Any]]:
    """Return one quote per (article, sentence, speaker), newest first, with surfaces to mark.

    A sentence can attribute different mentions to different speakers ("Egypt insisted on X,
    but Netanyahu's office said Y"), so the speaker is part of what makes a quote.
    """
    _check_columns(mentions, MENTION_COLUMNS, "mentions")
    if mentions.empty:
        return []
    ordered = mentions.assign(_published=pd.to_datetime(mentions["published"], errors="coerce"))
    ordered = ordered.sort_values("_published", ascending=False, na_position="last", kind="stable")
    quotes: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    for row in ordered.itertuples(index=False):
        key = (row.article_id, row.sentence, _none_if_missing(row.speaker))
        quote = quotes.get(key)
        if quote is None:
            quote = quotes[key] = _quote(row)
        if row.surface not in quote["surfaces"]:
            quote["surfaces"].append(row.surface)
    records = list(quotes.values())
    return records if limit is None else records[:limit]


def _quote(row: Any) -> dict[str, Any]:
    published = row.published
    return {
        "article_id": row.article_id,
        "title": row.title,
        "url": _none_if_missing(getattr(row, "url", None)),
        "title_derived": bool(getattr(row, "title_derived", False)),
        "source": _none_if_missing(row.source),
        "published": _iso(published),
        "speaker": _none_if_missing(row.speaker),
        "sentence": row.sentence,
        "surfaces": [row.surface],
        "kind": row.kind,
    }


def _aggregate(mentions: pd.DataFrame, max_quotes: int) -> pd.DataFrame:
    rows = []
    for location_id, group in mentions.groupby("location_id", sort=False):
        dates = pd.to_datetime(group["published"], errors="coerce").dropna()
        quotes = quote_records(group)
        rows.append(
            {
                "location_id": location_id,
                "count": len(group),
                "explicit": int((group["kind"] == "explicit").sum()),
                "anaphoric": int((group["kind"] == "anaphoric").sum()),
                "articles": int(group["article_id"].nunique()),
                "first_mention": _iso(dates.min()) if len(dates) else None,
                "last_mention": _iso(dates.max()) if len(dates) else None,
                "sources": _distinct(group["source"]),
                "speakers": _distinct(group["speaker"]),
                "quotes": quotes[:max_quotes],
                "quote_count": len(quotes),
            }
        )
    return pd.DataFrame(rows, columns=["location_id", *STAT_COLUMNS])


def _fill_unmentioned(joined: pd.DataFrame) -> pd.DataFrame:
    for column in ("count", "explicit", "anaphoric", "articles", "quote_count"):
        joined[column] = joined[column].fillna(0).astype(int)
    for column in ("sources", "speakers", "quotes"):
        joined[column] = [value if isinstance(value, list) else [] for value in joined[column]]
    for column in ("first_mention", "last_mention"):
        joined[column] = joined[column].astype(object).where(joined[column].notna(), None)
    return joined


def _optional_date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, (dt.date, str)) and pd.isna(value)):
        return None
    return _as_date(value)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _iso(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value
    return _as_date(value).isoformat()


def _distinct(values: Iterable[Any]) -> list[str]:
    return sorted({str(v) for v in values if _none_if_missing(v) is not None})


def _none_if_missing(value: Any) -> Any:
    if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):
        return None
    return value


def _check_columns(frame: pd.DataFrame, required: Iterable[str], what: str) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {missing!r}; has {list(frame.columns)!r}")


def _check_crs(features: gpd.GeoDataFrame) -> None:
    if features.crs is None:
        raise ValueError("features have no CRS; expected 'EPSG:4326' (WGS84 lon/lat)")
    if features.crs != WGS84:
        raise ValueError(f"features CRS is {features.crs.to_string()!r}; expected 'EPSG:4326'")
