"""Load and validate the location layers: one RFC 7946 GeoJSON FeatureCollection per location.

``check_layers`` reports every fault in a directory of ``*.geojson`` files without raising;
``load_gazetteer`` loads a clean directory into a ``Gazetteer`` (one GeoDataFrame plus the
contested locations' aliases) and raises ``LayerError`` listing the faults otherwise.

Dates are half-open: a feature describes its location from ``valid_from`` (inclusive) up to
``valid_to`` (exclusive); ``null`` leaves that end open.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geo.model import Alias

DEFAULT_LAYERS_DIR = Path(__file__).resolve().parents[2] / "data" / "layers"

WGS84 = "EPSG:4326"
PROPERTY_NAMES = (
    "location_id",
    "name",
    "kind",
    "aliases",
    "valid_from",
    "valid_to",
    "accuracy_m",
    "sources",
    "attribution",
    "note",
    "role",
)
KINDS = frozenset({"corridor", "crossing", "junction", "region", "road", "zone"})
ROLES = frozenset({"contested", "context"})
REQUIRED_LANGUAGES = ("en", "ar", "he")
SOURCE_KEYS = frozenset({"title", "url", "date"})
# Properties every feature of one location must share.
SHARED_PROPERTIES = ("name", "kind", "role", "aliases")
# lon_min, lat_min, lon_max, lat_max of the region the layers cover; used only to spot
# positions written [lat, lon] (their lon and lat ranges do not overlap).
REGION_BBOX = (34.0, 31.0, 35.0, 32.0)

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class LayerError(ValueError):
    """Layer files are missing, malformed, or name an unknown location."""


@dataclass(frozen=True)
class LayerFault:
    """One problem in one layer file, optionally in one feature (0-based index)."""

    file: str
    feature: int | None
    message: str

    def __str__(self) -> str:
        """Return ``"<file>: feature <n>: <message>"`` (without the feature part if none)."""
        if self.feature is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}: feature {self.feature}: {self.message}"


@dataclass(frozen=True, eq=False)
class Gazetteer:
    """Every layer feature in one GeoDataFrame, and the aliases of the contested locations.

    ``features`` has one row per feature, CRS EPSG:4326, columns ``PROPERTY_NAMES`` plus
    ``geometry``; ``valid_from``/``valid_to`` hold ``datetime.date`` or ``None``.
    """

    features: gpd.GeoDataFrame
    aliases: tuple[Alias, ...]

    def location_ids(self, role: str | None = "contested") -> list[str]:
        """Return the distinct location ids with ``role`` (all roles if ``None``), sorted."""
        if role is not None and role not in ROLES:
            raise LayerError(f"unknown role {role!r}; expected one of {sorted(ROLES)!r}")
        frame = self.features
        if role is not None:
            frame = frame[frame["role"] == role]
        return sorted(set(frame["location_id"]))

    def kind_of(self, location_id: str) -> str:
        """Return the kind of a location (``corridor``, ``crossing``, …)."""
        return str(self._first_row(location_id)["kind"])

    def name_of(self, location_id: str) -> str:
        """Return the English display name of a location."""
        return str(self._first_row(location_id)["name"])

    def attributions(self) -> list[str]:
        """Return the distinct licence lines of all features, sorted, for map credits."""
        return list(self._attributions)

    @cached_property
    def _attributions(self) -> tuple[str, ...]:
        return tuple(sorted({a for a in self.features["attribution"] if isinstance(a, str)}))

    @cached_property
    def context_bounds(self) -> tuple[float, float, float, float] | None:
        """``(min_lon, min_lat, max_lon, max_lat)`` of the context layers (the Strip), if any.

        Worked out once: the map of every rerun is fitted to it.
        """
        context = self.features[self.features["role"] == "context"]
        if context.empty:
            return None
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in context.total_bounds)
        return (min_lon, min_lat, max_lon, max_lat)

    def _first_row(self, location_id: str) -> Any:
        rows = self.features[self.features["location_id"] == location_id]
        if rows.empty:
            known = self.location_ids(role=None)
            raise LayerError(f"unknown location_id {location_id!r}; known: {known!r}")
        return rows.iloc[0]


@dataclass(frozen=True)
class _Feature:
    """A feature as read from a file; ``geometry`` is ``None`` if it could not be built."""

    file: str
    index: int
    properties: dict[str, Any]
    geometry: BaseGeometry | None


def check_layers(directory: Path = DEFAULT_LAYERS_DIR) -> list[LayerFault]:
    """Validate every ``*.geojson`` file in ``directory`` and return all faults found.

    Never raises on bad files: unreadable files, invalid JSON, schema, geometry, open or short
    rings, ring order, coordinate ranges, dates, and conflicts between features and files are
    all reported.
    """
    _, faults = _read_layers(Path(directory))
    return faults


def load_gazetteer(directory: Path = DEFAULT_LAYERS_DIR) -> Gazetteer:
    """Load the layers in ``directory``; raise ``LayerError`` listing every fault if any."""
    directory = Path(directory)
    features, faults = _read_layers(directory)
    if faults:
        listing = "\n".join(str(fault) for fault in faults)
        raise LayerError(f"{len(faults)} fault(s) in layers at {str(directory)!r}:\n{listing}")
    return Gazetteer(features=_frame(features), aliases=_contested_aliases(features))


# --- reading ---------------------------------------------------------------------------------


def _read_layers(directory: Path) -> tuple[list[_Feature], list[LayerFault]]:
    if not directory.is_dir():
        return [], [LayerFault(str(directory), None, "not a directory")]
    paths = sorted(directory.glob("*.geojson"))
    if not paths:
        return [], [LayerFault(str(directory), None, "no *.geojson layer files")]
    features: list[_Feature] = []
    faults: list[LayerFault] = []
    for path in paths:
        file_features, file_faults = _read_file(path)
        features += file_features
        faults += file_faults
    faults += _cross_feature_faults(features)
    return features, faults


def _read_file(path: Path) -> tuple[list[_Feature], list[LayerFault]]:
    name = path.name

    def fault(message: str, index: int | None = None) -> LayerFault:
        return LayerFault(name, index, message)

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [], [fault(f"cannot read: {exc}")]
    except json.JSONDecodeError as exc:
        return [], [fault(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")]
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        return [], [fault(f"not a GeoJSON FeatureCollection (type {found!r})")]
    faults = []
    if "crs" in document:
        faults.append(fault(_CRS_MESSAGE))
    raw_features = document.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        return [], [*faults, fault(f"'features' must be a non-empty list, got {raw_features!r}")]
    features = []
    for index, raw in enumerate(raw_features):
        messages, feature = _read_feature(name, index, raw)
        faults += [fault(message, index) for message in messages]
        if feature is not None:
            features.append(feature)
    return features, faults


_CRS_MESSAGE = (
    "has a 'crs' member; RFC 7946 GeoJSON is always WGS84 [lon, lat] and must not declare one"
)


def _read_feature(file: str, index: int, raw: Any) -> tuple[list[str], _Feature | None]:
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        found = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        return [f"not a GeoJSON Feature (type {found!r})"], None
    messages = [_CRS_MESSAGE] if "crs" in raw else []
    properties = raw.get("properties")
    if not isinstance(properties, dict):
        return [*messages, f"'properties' must be an object, got {properties!r}"], None
    messages += _property_faults(properties)
    geometry_messages, geometry = _read_geometry(raw.get("geometry"), _feature_label(raw))
    messages += geometry_messages
    return messages, _Feature(file, index, properties, geometry)


# --- properties ------------------------------------------------------------------------------


def _property_faults(properties: dict[str, Any]) -> list[str]:
    messages = []
    missing = [name for name in PROPERTY_NAMES if name not in properties]
    if missing:
        messages.append(f"missing properties: {', '.join(missing)}")
    unknown = sorted(set(properties) - set(PROPERTY_NAMES))
    if unknown:
        messages.append(f"unknown properties: {', '.join(unknown)}")
    for name, check in _PROPERTY_CHECKS.items():
        if name in properties:
            problem = check(properties[name])
            if problem:
                messages.append(f"{name}: {problem}")
    start, end = (
        _date_or_none(properties.get("valid_from")),
        _date_or_none(properties.get("valid_to")),
    )
    if start is not None and end is not None and start > end:
        messages.append(f"valid_from {start.isoformat()!r} is after valid_to {end.isoformat()!r}")
    return messages


def _check_slug(value: Any) -> str | None:
    if isinstance(value, str) and _SLUG.fullmatch(value):
        return None
    return f"{value!r} is not a slug (lowercase letters, digits and single hyphens)"


def _check_text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    return f"{value!r} is not a non-empty string"


def _check_optional_text(value: Any) -> str | None:
    return None if value is None else _check_text(value)


def _check_kind(value: Any) -> str | None:
    return None if value in KINDS else f"{value!r} is not one of {sorted(KINDS)!r}"


def _check_role(value: Any) -> str | None:
    return None if value in ROLES else f"{value!r} is not one of {sorted(ROLES)!r}"


def _check_aliases(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"{value!r} is not an object of language code -> list of names"
    for language, names in value.items():
        if not _LANGUAGE.fullmatch(language):
            return f"{language!r} is not a lowercase ISO 639 language code"
        if not isinstance(names, list) or not names:
            return f"{language!r}: {names!r} is not a non-empty list of names"
        for name in names:
            if _check_text(name):
                return f"{language!r}: {name!r} is not a non-empty string"
    missing = [language for language in REQUIRED_LANGUAGES if language not in value]
    if missing:
        return f"no names in {', '.join(missing)} (required: {', '.join(REQUIRED_LANGUAGES)})"
    return None


def _check_date(value: Any) -> str | None:
    if value is None or _date_or_none(value) is not None:
        return None
    return f"{value!r} is not an ISO date (YYYY-MM-DD) or null"


def _check_accuracy(value: Any) -> str | None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and math.isfinite(value) and value >= 0:
        return None
    return f"{value!r} is not a non-negative number of metres"


def _check_sources(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return f"{value!r} is not a non-empty list of {{title, url, date}}"
    for number, source in enumerate(value):
        if not isinstance(source, dict) or set(source) != SOURCE_KEYS:
            return f"source {number} {source!r} is not an object with keys title, url, date"
        problem = (
            _check_text(source["title"]) or _check_url(source["url"]) or _check_date(source["date"])
        )
        if problem:
            return f"source {number}: {problem}"
    return None


def _check_url(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.startswith(("https://", "http://"))):
        return None
    return f"{value!r} is not an http(s) URL or null"


_PROPERTY_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "location_id": _check_slug,
    "name": _check_text,
    "kind": _check_kind,
    "aliases": _check_aliases,
    "valid_from": _check_date,
    "valid_to": _check_date,
    "accuracy_m": _check_accuracy,
    "sources": _check_sources,
    "attribution": _check_optional_text,
    "note": _check_optional_text,
    "role": _check_role,
}


def _date_or_none(value: Any) -> dt.date | None:
    """Parse a strict ``YYYY-MM-DD`` string; anything else gives ``None``."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


# --- geometry --------------------------------------------------------------------------------


def _feature_label(raw: dict[str, Any]) -> str:
    """How a fault names its feature: ``location '<id>'``, else its GeoJSON id or its name."""
    properties = raw.get("properties") or {}
    location_id = properties.get("location_id")
    if isinstance(location_id, str) and location_id:
        return f"location {location_id!r}"
    for value in (raw.get("id"), properties.get("name")):
        if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
            return f"feature {value!r}"
    return "feature"


def _read_geometry(raw: Any, label: str) -> tuple[list[str], BaseGeometry | None]:
    if raw is None:
        return ["geometry is missing"], None
    if not isinstance(raw, dict):
        return [f"geometry {raw!r} is not an object"], None
    problem = _position_fault(raw)
    if problem:
        return [problem], None
    # Before shapely, which closes an open ring without a word.
    ring_faults = [f"{label}: {message}" for message in _ring_faults(raw)]
    if ring_faults:
        return ring_faults, None
    try:
        geometry = shape(raw)
    except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        return [f"geometry cannot be read: {exc}"], None
    if geometry.is_empty:
        return ["geometry is empty"], None
    if not geometry.is_valid:
        return [f"invalid geometry: {explain_validity(geometry)}"], None
    return _ring_order_faults(raw), geometry


def _position_fault(raw: dict[str, Any]) -> str | None:
    """Return the first malformed, out-of-range or axis-swapped position, if any."""
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    for position in _positions(raw):
        ok = isinstance(position, list) and 2 <= len(position) <= 3
        if not ok or not all(_is_number(c) for c in position):
            return f"position {position!r} is not [lon, lat] numbers"
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return f"position {position!r} is out of range (lon -180..180, lat -90..90)"
        looks_swapped = lon_min <= lat <= lon_max and lat_min <= lon <= lat_max
        if looks_swapped and not (lon_min <= lon <= lon_max and lat_min <= lat <= lat_max):
            return f"position {position!r} looks like [lat, lon]; GeoJSON wants [lon, lat]"
    return None


def _positions(raw: dict[str, Any]) -> Iterator[Any]:
    if raw.get("type") == "GeometryCollection":
        for member in raw.get("geometries") or []:
            if isinstance(member, dict):
                yield from _positions(member)
        return
    yield from _leaves(raw.get("coordinates"))


def _leaves(value: Any) -> Iterator[Any]:
    """Yield the innermost lists (positions) of a GeoJSON coordinates array."""
    if isinstance(value, list) and value and all(isinstance(item, list) for item in value):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _ring_faults(raw: dict[str, Any]) -> list[str]:
    """RFC 7946 §3.1.6 on the rings as written: four or more positions, the last the first."""
    messages = []
    for where, ring in _rings(raw):
        if len(ring) < 4:
            problem = f"has {len(ring)} position(s); a linear ring needs at least 4"
        elif ring[0] != ring[-1]:
            problem = f"is not closed (first {ring[0]!r}, last {ring[-1]!r})"
        else:
            continue
        messages.append(f"{where} {problem} — RFC 7946 §3.1.6")
    return messages


def _rings(raw: dict[str, Any]) -> Iterator[tuple[str, list[Any]]]:
    """Yield ``("polygon [p ]ring r (exterior|hole h)", ring)`` for every well-formed ring."""
    kind, coordinates = raw.get("type"), raw.get("coordinates")
    if kind == "GeometryCollection":
        for member in raw.get("geometries") or []:
            if isinstance(member, dict):
                yield from _rings(member)
        return
    if kind == "Polygon":
        polygons = {"polygon": coordinates}
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        polygons = {f"polygon {p}": rings for p, rings in enumerate(coordinates)}
    else:
        return
    for name, rings in polygons.items():
        if not isinstance(rings, list):
            continue  # malformed: shapely reports it
        for r, ring in enumerate(rings):
            if isinstance(ring, list) and all(isinstance(position, list) for position in ring):
                role = "exterior" if r == 0 else f"hole {r - 1}"
                yield f"{name} ring {r} ({role})", ring


def _ring_order_faults(raw: dict[str, Any]) -> list[str]:
    """RFC 7946 right-hand rule on the rings as written: exteriors CCW, holes CW."""
    if raw.get("type") == "Polygon":
        polygons = [raw["coordinates"]]
    elif raw.get("type") == "MultiPolygon":
        polygons = raw["coordinates"]
    else:
        return []
    messages = []
    for p, rings in enumerate(polygons):
        where = f"polygon {p} " if len(polygons) > 1 else ""
        for r, ring in enumerate(rings):
            ccw = bool(shapely.is_ccw(shapely.linearrings(ring)))
            if r == 0 and not ccw:
                messages.append(f"{where}exterior ring is clockwise; RFC 7946 wants it CCW")
            elif r > 0 and ccw:
                messages.append(f"{where}hole {r - 1} is counter-clockwise; RFC 7946 wants it CW")
    return messages


# --- checks across features and files --------------------------------------------------------


def _cross_feature_faults(features: list[_Feature]) -> list[LayerFault]:
    return [
        *_file_id_faults(features),
        *_shared_property_faults(features),
        *_overlap_faults(features),
        *_duplicate_alias_faults(features),
    ]


def _location_id(feature: _Feature) -> str | None:
    value = feature.properties.get("location_id")
    return value if isinstance(value, str) and _SLUG.fullmatch(value) else None


def _file_id_faults(features: list[_Feature]) -> Iterator[LayerFault]:
    """One location per file, and each location in one file only."""
    first_in_file: dict[str, str] = {}
    file_of: dict[str, str] = {}
    for feature in features:
        location_id = _location_id(feature)
        if location_id is None:
            continue
        expected = first_in_file.setdefault(feature.file, location_id)
        if location_id != expected:
            yield LayerFault(
                feature.file,
                feature.index,
                f"location_id {location_id!r} differs from {expected!r} earlier in this file",
            )
            continue
        other = file_of.setdefault(location_id, feature.file)
        if other != feature.file:
            yield LayerFault(
                feature.file,
                feature.index,
                f"location_id {location_id!r} is also defined in {other!r}",
            )


def _shared_property_faults(features: list[_Feature]) -> Iterator[LayerFault]:
    first: dict[str, _Feature] = {}
    for feature in features:
        location_id = _location_id(feature)
        if location_id is None:
            continue
        reference = first.setdefault(location_id, feature)
        for name in SHARED_PROPERTIES:
            if feature.properties.get(name) != reference.properties.get(name):
                yield LayerFault(
                    feature.file,
                    feature.index,
                    f"{name} differs from feature {reference.index} of {location_id!r} "
                    f"in {reference.file!r}",
                )


def _overlap_faults(features: list[_Feature]) -> Iterator[LayerFault]:
    """Dated versions of one location must not overlap (half-open periods)."""
    periods: dict[str, list[tuple[_Feature, dt.date, dt.date]]] = {}
    for feature in features:
        location_id = _location_id(feature)
        period = _period(feature.properties)
        if location_id is not None and period is not None:
            periods.setdefault(location_id, []).append((feature, *period))
    for versions in periods.values():
        for (a, a_start, a_end), (b, b_start, b_end) in combinations(versions, 2):
            if a_start < b_end and b_start < a_end:
                yield LayerFault(
                    b.file,
                    b.index,
                    f"valid period {_describe_period(b.properties)} overlaps feature {a.index} "
                    f"in {a.file!r} ({_describe_period(a.properties)})",
                )


def _period(properties: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """Return [start, end) with open ends widened to date.min/max; None if dates are bad."""
    raw_start, raw_end = properties.get("valid_from"), properties.get("valid_to")
    start, end = _date_or_none(raw_start), _date_or_none(raw_end)
    if (raw_start is not None and start is None) or (raw_end is not None and end is None):
        return None
    return start or dt.date.min, end or dt.date.max


def _describe_period(properties: dict[str, Any]) -> str:
    return f"{properties.get('valid_from') or '…'} to {properties.get('valid_to') or '…'}"


def _duplicate_alias_faults(features: list[_Feature]) -> Iterator[LayerFault]:
    owner: dict[str, tuple[str, str]] = {}  # case-folded alias -> (location_id, file)
    reported: set[tuple[str, str]] = set()
    for feature in features:
        location_id = _location_id(feature)
        if location_id is None:
            continue
        for language, name in _alias_items(feature.properties.get("aliases")):
            key = name.casefold()
            other_id, other_file = owner.setdefault(key, (location_id, feature.file))
            if other_id != location_id and (location_id, key) not in reported:
                reported.add((location_id, key))
                yield LayerFault(
                    feature.file,
                    feature.index,
                    f"alias {name!r} ({language}) is also an alias of {other_id!r} "
                    f"in {other_file!r}",
                )


def _alias_items(aliases: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(aliases, dict):
        return
    for language in sorted(aliases):
        names = aliases[language]
        if isinstance(names, list):
            yield from ((language, name) for name in names if isinstance(name, str))


# --- loading ---------------------------------------------------------------------------------


def _frame(features: list[_Feature]) -> gpd.GeoDataFrame:
    rows = []
    for feature in features:
        row = {name: feature.properties[name] for name in PROPERTY_NAMES}
        row["valid_from"] = _date_or_none(row["valid_from"])
        row["valid_to"] = _date_or_none(row["valid_to"])
        rows.append(row)
    geometries = [feature.geometry for feature in features]
    frame = gpd.GeoDataFrame(rows, columns=list(PROPERTY_NAMES), geometry=geometries, crs=WGS84)
    for column in _NULLABLE_COLUMNS:  # keep JSON null as None, not NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


_NULLABLE_COLUMNS = ("valid_from", "valid_to", "attribution", "note")


def _contested_aliases(features: list[_Feature]) -> tuple[Alias, ...]:
    aliases: list[Alias] = []
    seen: set[str] = set()
    for feature in features:
        location_id = feature.properties["location_id"]
        if feature.properties["role"] != "contested" or location_id in seen:
            continue
        seen.add(location_id)
        aliases += (
            Alias(location_id, language, name)
            for language, name in _alias_items(feature.properties["aliases"])
        )
    return tuple(aliases)
