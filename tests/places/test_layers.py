"""Location layers: the shipped files, their build, the validator's faults and the gazetteer."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.geometry.polygon import orient

from geo.model import Alias
from geo.places.layers import (
    DEFAULT_LAYERS_DIR,
    Gazetteer,
    LayerError,
    LayerFault,
    check_layers,
    load_gazetteer,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / "shared"
UTM_36N = "EPSG:32636"
CONTESTED = {
    "philadelphi-corridor",
    "rafah-crossing",
    "netzarim-junction",
    "netzarim-corridor",
    "kerem-shalom-crossing",
}
LANGUAGES = ("en", "ar", "he", "fr", "it", "de")
TRAPS = ("Rafah", "Salah al-Din Road", "Salah al-Din Street", "Kerem Shalom", "Netzarim")
TRAPS += ("Philadelphia",)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


def _utm(gazetteer: Gazetteer, location_id: str) -> list[Any]:
    frame = gazetteer.features
    return list(frame[frame["location_id"] == location_id].to_crs(UTM_36N).geometry)


# --- the shipped layers ----------------------------------------------------------------------


def test_shipped_layers_pass_the_checks() -> None:
    assert check_layers(DEFAULT_LAYERS_DIR) == []


def test_shipped_files_are_rfc7946_text() -> None:
    for path in sorted(DEFAULT_LAYERS_DIR.glob("*.geojson")):
        text = path.read_bytes().decode("utf-8")
        assert text.endswith("}\n"), path.name
        assert "\\u" not in text, f"{path.name}: non-ASCII must be written as UTF-8"
        assert '"crs"' not in text, path.name
        decimals = re.findall(r"-?\d+\.(\d+)", text)
        assert max(len(d) for d in decimals) <= 6, path.name


def test_build_script_reproduces_the_shipped_files() -> None:
    if not (SHARED / "reference" / "gaza-region-osm.geojson").is_file():
        pytest.skip(f"reference data not found at {SHARED / 'reference'}")
    build = _load_build_script()
    gaza, border = build.read_reference(SHARED / "reference" / "gaza-region-osm.geojson")
    for location_id, features in build.build_layers(gaza, border).items():
        shipped = (DEFAULT_LAYERS_DIR / f"{location_id}.geojson").read_text(encoding="utf-8")
        assert build.dumps_collection(features) == shipped, location_id


def _load_build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_layers", REPO / "data" / "build_layers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gazetteer_frame(gazetteer: Gazetteer) -> None:
    frame = gazetteer.features
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns) == [
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
        "geometry",
    ]
    for column in ("valid_from", "valid_to"):
        assert all(value is None or type(value) is dt.date for value in frame[column])
    netzarim = frame[frame["location_id"] == "netzarim-corridor"]
    assert list(netzarim["valid_to"]) == [dt.date(2024, 7, 1), dt.date(2025, 2, 9)]


def test_gazetteer_lookups(gazetteer: Gazetteer) -> None:
    assert set(gazetteer.location_ids()) == CONTESTED
    assert set(gazetteer.location_ids(role=None)) == CONTESTED | {"gaza-strip"}
    assert gazetteer.location_ids(role="context") == ["gaza-strip"]
    assert gazetteer.kind_of("rafah-crossing") == "crossing"
    assert gazetteer.kind_of("gaza-strip") == "region"
    assert gazetteer.name_of("philadelphi-corridor") == "Philadelphi Corridor"
    assert gazetteer.attributions() == ["© OpenStreetMap contributors, ODbL"]


@pytest.mark.parametrize("lookup", ["kind_of", "name_of"])
def test_unknown_location_raises_layer_error(gazetteer: Gazetteer, lookup: str) -> None:
    with pytest.raises(LayerError, match="'rafah'"):
        getattr(gazetteer, lookup)("rafah")


def test_unknown_role_raises_layer_error(gazetteer: Gazetteer) -> None:
    with pytest.raises(LayerError, match="'disputed'"):
        gazetteer.location_ids(role="disputed")


def test_aliases_cover_six_languages_and_only_contested_places(gazetteer: Gazetteer) -> None:
    assert all(isinstance(alias, Alias) for alias in gazetteer.aliases)
    assert {alias.location_id for alias in gazetteer.aliases} == CONTESTED
    for location_id in CONTESTED | {"gaza-strip"}:
        row = gazetteer.features[gazetteer.features["location_id"] == location_id].iloc[0]
        assert set(LANGUAGES) <= set(row["aliases"]), location_id


def test_no_trap_aliases(gazetteer: Gazetteer) -> None:
    names = {alias.name.casefold() for alias in gazetteer.aliases}
    assert not names & {trap.casefold() for trap in TRAPS}


def test_osm_derived_layers_carry_the_odbl_line(gazetteer: Gazetteer) -> None:
    frame = gazetteer.features
    for location_id in ("philadelphi-corridor", "netzarim-corridor", "gaza-strip"):
        rows = frame[frame["location_id"] == location_id]
        assert set(rows["attribution"]) == {"© OpenStreetMap contributors, ODbL"}


# --- facts from LOCATIONS.md -----------------------------------------------------------------


def test_rafah_crossing_lies_in_the_philadelphi_corridor(gazetteer: Gazetteer) -> None:
    [corridor] = _utm(gazetteer, "philadelphi-corridor")
    [crossing] = _utm(gazetteer, "rafah-crossing")
    assert corridor.contains(crossing)


def test_philadelphi_is_a_100_m_strip_along_the_127_km_border(gazetteer: Gazetteer) -> None:
    [corridor] = _utm(gazetteer, "philadelphi-corridor")
    mean_width_m = corridor.area / 12_700
    assert 90 <= mean_width_m <= 115  # 100 m, plus the bulge that takes in the Rafah crossing
    lon_min, lat_min, lon_max, lat_max = corridor.bounds
    assert 11_000 <= Point(lon_min, lat_min).distance(Point(lon_max, lat_max)) <= 14_000


def test_netzarim_junction_lies_in_both_corridor_versions(gazetteer: Gazetteer) -> None:
    [junction] = _utm(gazetteer, "netzarim-junction")
    narrow, wide = _utm(gazetteer, "netzarim-corridor")
    assert narrow.contains(junction) and wide.contains(junction)
    assert wide.contains(narrow.buffer(-1))
    assert 1.8 <= wide.area / narrow.area <= 2.2


def test_kerem_shalom_is_at_the_south_east_end_of_philadelphi(gazetteer: Gazetteer) -> None:
    [corridor] = _utm(gazetteer, "philadelphi-corridor")
    [crossing] = _utm(gazetteer, "kerem-shalom-crossing")
    south_east_end = min(corridor.exterior.coords, key=lambda xy: xy[1] - xy[0])
    assert crossing.distance(Point(south_east_end)) <= 1_000


def test_every_coordinate_lies_in_the_region(gazetteer: Gazetteer) -> None:
    lon_min, lat_min, lon_max, lat_max = gazetteer.features.total_bounds
    assert 34.2 <= lon_min < lon_max <= 34.6
    assert 31.2 <= lat_min < lat_max <= 31.6


# --- the validator, on hand-built fixtures ---------------------------------------------------


def _square(lon: float = 34.40, lat: float = 31.40, size: float = 0.01) -> list[list[float]]:
    """A counter-clockwise closed ring."""
    return [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]


def _feature(location_id: str = "test-place", **overrides: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "location_id": location_id,
        "name": "Test place",
        "kind": "corridor",
        "aliases": {
            "en": [f"{location_id} en"],
            "ar": [f"مكان {location_id}"],
            "he": [f"מקום {location_id}"],
        },
        "valid_from": None,
        "valid_to": None,
        "accuracy_m": 50,
        "sources": [{"title": "A source", "url": "https://example.org/a", "date": "2024-09-06"}],
        "attribution": None,
        "note": None,
        "role": "contested",
    }
    properties.update(overrides)
    geometry = {"type": "Polygon", "coordinates": [_square()]}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features) or [_feature()]}


def _write(directory: Path, name: str, content: Any) -> None:
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    (directory / name).write_text(text, encoding="utf-8")


def _with_geometry(geometry: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    feature = _feature(**overrides)
    feature["geometry"] = geometry
    return feature


def _without(name: str) -> dict[str, Any]:
    feature = _feature()
    del feature["properties"][name]
    return feature


def _dated(valid_from: str | None, valid_to: str | None) -> dict[str, Any]:
    return _feature(valid_from=valid_from, valid_to=valid_to)


_HOLE_CW = [
    [34.402, 31.402],
    [34.402, 31.404],
    [34.404, 31.404],
    [34.404, 31.402],
    [34.402, 31.402],
]

VALID_LAYERS = {
    "polygon": _collection(_feature()),
    "point": _collection(
        _with_geometry({"type": "Point", "coordinates": [34.25923, 31.24858]}, kind="crossing")
    ),
    "polygon with a clockwise hole": _collection(
        _with_geometry({"type": "Polygon", "coordinates": [_square(), _HOLE_CW]})
    ),
    "multipolygon": _collection(
        _with_geometry({"type": "MultiPolygon", "coordinates": [[_square()], [_square(lon=34.45)]]})
    ),
    "versions meeting on one day": _collection(
        _dated(None, "2024-07-01"), _dated("2024-07-01", "2025-02-09"), _dated("2025-03-18", None)
    ),
    "context region with a null source url": _collection(
        _feature(
            kind="region",
            role="context",
            sources=[{"title": "Outline", "url": None, "date": None}],
            attribution="© OpenStreetMap contributors, ODbL",
        )
    ),
}


@pytest.mark.parametrize("collection", VALID_LAYERS.values(), ids=list(VALID_LAYERS))
def test_valid_layers_have_no_faults(tmp_path: Path, collection: dict[str, Any]) -> None:
    _write(tmp_path, "test-place.geojson", collection)
    assert check_layers(tmp_path) == []
    assert set(load_gazetteer(tmp_path).location_ids(role=None)) == {"test-place"}


# name -> (file content, expected feature index, words the message must contain)
INVALID_LAYERS: dict[str, tuple[Any, int | None, str]] = {
    "invalid JSON": ('{"type": "FeatureCollection", "features": [', None, "invalid JSON"),
    "not a FeatureCollection": (_feature(), None, "not a GeoJSON FeatureCollection"),
    "crs member": (
        {**_collection(), "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}},
        None,
        "'crs'",
    ),
    "no features": ({"type": "FeatureCollection", "features": []}, None, "non-empty list"),
    "not a Feature": (_collection({"type": "Point", "coordinates": [0, 0]}), 0, "not a GeoJSON"),
    "missing property": (_collection(_without("accuracy_m")), 0, "missing properties: accuracy_m"),
    "unknown property": (_collection(_feature(valid_form="2024-01-01")), 0, "valid_form"),
    "wrongly typed name": (_collection(_feature(name=5)), 0, "name: 5"),
    "wrongly typed note": (_collection(_feature(note=["x"])), 0, "note:"),
    "bad slug": (_collection(_feature(location_id="Rafah Crossing")), 0, "not a slug"),
    "bad kind": (_collection(_feature(kind="checkpoint")), 0, "kind: 'checkpoint'"),
    "bad role": (_collection(_feature(role="disputed")), 0, "role: 'disputed'"),
    "aliases not an object": (_collection(_feature(aliases=["Rafah crossing"])), 0, "aliases:"),
    "aliases empty list": (
        _collection(_feature(aliases={"en": [], "ar": ["أ"], "he": ["א"]})),
        0,
        "non-empty list",
    ),
    "alias not a string": (
        _collection(_feature(aliases={"en": [7], "ar": ["أ"], "he": ["א"]})),
        0,
        "'en': 7",
    ),
    "alias language not a code": (
        _collection(_feature(aliases={"English": ["x"], "en": ["y"], "ar": ["أ"], "he": ["א"]})),
        0,
        "'English'",
    ),
    "missing he aliases": (
        _collection(_feature(aliases={"en": ["x"], "ar": ["أ"], "fr": ["y"]})),
        0,
        "no names in he",
    ),
    "geometry missing": (_collection(_with_geometry(None)), 0, "geometry is missing"),
    "geometry unreadable": (
        _collection(_with_geometry({"type": "LineString", "coordinates": [[34.4, 31.4]]})),
        0,
        "geometry cannot be read",
    ),
    "self-intersecting polygon": (
        _collection(
            _with_geometry(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [[34.4, 31.4], [34.41, 31.41], [34.41, 31.4], [34.4, 31.41], [34.4, 31.4]]
                    ],
                }
            )
        ),
        0,
        "invalid geometry: Self-intersection",
    ),
    "clockwise exterior": (
        _collection(_with_geometry({"type": "Polygon", "coordinates": [_square()[::-1]]})),
        0,
        "exterior ring is clockwise",
    ),
    "counter-clockwise hole": (
        _collection(
            _with_geometry({"type": "Polygon", "coordinates": [_square(), _HOLE_CW[::-1]]})
        ),
        0,
        "hole 0 is counter-clockwise",
    ),
    "longitude out of range": (
        _collection(_with_geometry({"type": "Point", "coordinates": [214.3, 31.4]})),
        0,
        "out of range",
    ),
    "latitude out of range": (
        _collection(_with_geometry({"type": "Point", "coordinates": [34.3, -95.0]})),
        0,
        "out of range",
    ),
    "swapped axes": (
        _collection(_with_geometry({"type": "Point", "coordinates": [31.24858, 34.25923]})),
        0,
        "looks like [lat, lon]",
    ),
    "position not numbers": (
        _collection(_with_geometry({"type": "Point", "coordinates": ["34.3", 31.4]})),
        0,
        "not [lon, lat] numbers",
    ),
    "valid_from after valid_to": (_collection(_dated("2025-02-09", "2024-07-01")), 0, "after"),
    "non-ISO date": (_collection(_dated("July 2024", None)), 0, "'July 2024' is not an ISO date"),
    "impossible date": (_collection(_dated("2024-02-30", None)), 0, "not an ISO date"),
    "negative accuracy": (_collection(_feature(accuracy_m=-5)), 0, "accuracy_m: -5"),
    "accuracy as text": (_collection(_feature(accuracy_m="50")), 0, "accuracy_m: '50'"),
    "accuracy as boolean": (_collection(_feature(accuracy_m=True)), 0, "accuracy_m: True"),
    "sources not a list": (_collection(_feature(sources="Reuters")), 0, "sources:"),
    "source without url": (
        _collection(_feature(sources=[{"title": "Reuters", "date": "2024-09-06"}])),
        0,
        "keys title, url, date",
    ),
    "source with a bad date": (
        _collection(_feature(sources=[{"title": "R", "url": None, "date": "6 Sep 2024"}])),
        0,
        "source 0",
    ),
    "two locations in one file": (
        _collection(_feature(), _feature("other-place")),
        1,
        "'other-place' differs from 'test-place'",
    ),
    "name differs between versions": (
        _collection(_dated(None, "2024-07-01"), _feature(name="Else", valid_from="2024-07-01")),
        1,
        "name differs",
    ),
    "overlapping versions": (
        _collection(_dated(None, "2024-07-02"), _dated("2024-07-01", None)),
        1,
        "overlaps feature 0",
    ),
    "two undated versions": (_collection(_feature(), _feature()), 1, "overlaps feature 0"),
}


@pytest.mark.parametrize(
    ("content", "feature", "words"), INVALID_LAYERS.values(), ids=list(INVALID_LAYERS)
)
def test_each_fault_is_reported_once(
    tmp_path: Path, content: Any, feature: int | None, words: str
) -> None:
    _write(tmp_path, "test-place.geojson", content)
    faults = check_layers(tmp_path)
    assert len(faults) == 1, faults
    [fault] = faults
    assert (fault.file, fault.feature) == ("test-place.geojson", feature)
    assert words in fault.message
    with pytest.raises(LayerError, match=re.escape("test-place.geojson")):
        load_gazetteer(tmp_path)


_OPEN = _square()[:-1]  # four positions, the last not the first
_RFC = " — RFC 7946 §3.1.6"

# name -> (geometry, the fault's message; None for no fault)
RING_CASES: dict[str, tuple[dict[str, Any], str | None]] = {
    "closed ring": ({"type": "Polygon", "coordinates": [_square()]}, None),
    "unclosed ring": (
        {"type": "Polygon", "coordinates": [_OPEN]},
        "location 'test-place': polygon ring 0 (exterior) is not closed"
        " (first [34.4, 31.4], last [34.4, 31.41])" + _RFC,
    ),
    "3 positions, unclosed": (
        {"type": "Polygon", "coordinates": [_square()[:3]]},
        "location 'test-place': polygon ring 0 (exterior) has 3 position(s);"
        " a linear ring needs at least 4" + _RFC,
    ),
    "3 positions, closed": (
        {"type": "Polygon", "coordinates": [[*_square()[:2], _square()[0]]]},
        "location 'test-place': polygon ring 0 (exterior) has 3 position(s);"
        " a linear ring needs at least 4" + _RFC,
    ),
    "hole unclosed": (
        {"type": "Polygon", "coordinates": [_square(), _HOLE_CW[:-1]]},
        "location 'test-place': polygon ring 1 (hole 0) is not closed"
        " (first [34.402, 31.402], last [34.404, 31.402])" + _RFC,
    ),
    "multipolygon part unclosed": (
        {"type": "MultiPolygon", "coordinates": [[_square()], [_OPEN]]},
        "location 'test-place': polygon 1 ring 0 (exterior) is not closed"
        " (first [34.4, 31.4], last [34.4, 31.41])" + _RFC,
    ),
    "multipolygon hole unclosed": (
        {"type": "MultiPolygon", "coordinates": [[_square(lon=34.45)], [_square(), _HOLE_CW[1:]]]},
        "location 'test-place': polygon 1 ring 1 (hole 0) is not closed"
        " (first [34.402, 31.404], last [34.402, 31.402])" + _RFC,
    ),
}


@pytest.mark.parametrize(("geometry", "message"), RING_CASES.values(), ids=list(RING_CASES))
def test_rings_must_be_closed_with_four_positions(
    tmp_path: Path, geometry: dict[str, Any], message: str | None
) -> None:
    _write(tmp_path, "test-place.geojson", _collection(_with_geometry(geometry)))
    expected = [] if message is None else [LayerFault("test-place.geojson", 0, message)]
    assert check_layers(tmp_path) == expected


def test_an_unclosed_ring_is_refused_though_shapely_would_close_it(tmp_path: Path) -> None:
    assert Polygon(_OPEN).is_valid  # what a check on the shapely geometry alone would see
    feature = _with_geometry({"type": "Polygon", "coordinates": [_OPEN]})
    _write(tmp_path, "test-place.geojson", _collection(feature))
    with pytest.raises(LayerError, match="ring 0 \\(exterior\\) is not closed"):
        load_gazetteer(tmp_path)


@pytest.mark.parametrize(
    ("feature", "label"),
    [
        (_feature("rafah-crossing"), "location 'rafah-crossing'"),
        ({**_feature(location_id=5), "id": "gaza-1"}, "feature 'gaza-1'"),
        (_feature(location_id=None, name="Rafah"), "feature 'Rafah'"),
    ],
)
def test_a_ring_fault_names_the_feature(
    tmp_path: Path, feature: dict[str, Any], label: str
) -> None:
    feature["geometry"] = {"type": "Polygon", "coordinates": [_OPEN]}
    _write(tmp_path, "x.geojson", _collection(feature))
    ring_faults = [str(f) for f in check_layers(tmp_path) if "ring" in f.message]
    assert ring_faults == [
        f"x.geojson: feature 0: {label}: polygon ring 0 (exterior) is not closed"
        f" (first [34.4, 31.4], last [34.4, 31.41]){_RFC}"
    ]


def test_same_location_in_two_files(tmp_path: Path) -> None:
    _write(tmp_path, "a-place.geojson", _collection(_feature("a-place", valid_to="2030-01-01")))
    _write(tmp_path, "b-place.geojson", _collection(_feature("a-place", valid_from="2030-01-01")))
    _write(tmp_path, "c-place.geojson", _collection(_feature("c-place")))
    [fault] = check_layers(tmp_path)
    assert (fault.file, fault.feature) == ("b-place.geojson", 0)
    assert "also defined in 'a-place.geojson'" in fault.message


def test_duplicate_alias_across_locations_is_case_folded(tmp_path: Path) -> None:
    first = _feature("a-place", aliases={"en": ["Rafah Crossing"], "ar": ["أ"], "he": ["א"]})
    second = _feature("b-place", aliases={"en": ["x"], "ar": ["ب"], "he": ["ב"]})
    second["properties"]["aliases"]["fr"] = ["RAFAH crossing"]
    _write(tmp_path, "a-place.geojson", _collection(first))
    _write(tmp_path, "b-place.geojson", _collection(second))
    [fault] = check_layers(tmp_path)
    assert (fault.file, fault.feature) == ("b-place.geojson", 0)
    assert "'RAFAH crossing' (fr) is also an alias of 'a-place'" in fault.message


def test_empty_directory(tmp_path: Path) -> None:
    [fault] = check_layers(tmp_path)
    assert fault.feature is None and "no *.geojson" in fault.message


def test_missing_directory(tmp_path: Path) -> None:
    [fault] = check_layers(tmp_path / "nowhere")
    assert "not a directory" in fault.message


def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "bad.geojson").write_bytes(b'{"type": "\xff"}')
    [fault] = check_layers(tmp_path)
    assert (fault.file, fault.feature) == ("bad.geojson", None)
    assert "cannot read" in fault.message


def test_all_faults_are_reported_not_just_the_first(tmp_path: Path) -> None:
    _write(tmp_path, "a.geojson", _collection(_feature("a", kind="x", accuracy_m=-1)))
    _write(tmp_path, "b.geojson", "not json")
    faults = check_layers(tmp_path)
    assert [(f.file, f.feature) for f in faults] == [("a.geojson", 0)] * 2 + [("b.geojson", None)]


def test_fault_text_names_file_and_feature() -> None:
    assert str(LayerFault("x.geojson", 0, "bad")) == "x.geojson: feature 0: bad"
    assert str(LayerFault("x.geojson", None, "bad")) == "x.geojson: bad"


def test_load_gazetteer_lists_every_fault(tmp_path: Path) -> None:
    broken = _feature()
    broken["properties"]["kind"] = "x"
    broken["geometry"]["coordinates"] = [_square()[::-1]]
    _write(tmp_path, "test-place.geojson", _collection(broken))
    with pytest.raises(LayerError) as raised:
        load_gazetteer(tmp_path)
    assert "2 fault(s)" in str(raised.value)
    assert "kind: 'x'" in str(raised.value) and "clockwise" in str(raised.value)


_coordinate = st.tuples(
    st.floats(34.2, 34.6, allow_nan=False), st.floats(31.2, 31.6, allow_nan=False)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_coordinate, min_size=3, max_size=12, unique=True))
def test_ring_order_fault_matches_orientation(points: list[tuple[float, float]]) -> None:
    hull = MultiPoint(points).convex_hull
    assume(isinstance(hull, Polygon) and hull.area > 1e-9)
    for sign, faulty in ((1.0, False), (-1.0, True)):
        ring = [list(xy) for xy in orient(hull, sign).exterior.coords]
        with tempfile.TemporaryDirectory() as directory:
            feature = _with_geometry({"type": "Polygon", "coordinates": [ring]})
            _write(Path(directory), "test-place.geojson", _collection(feature))
            faults = check_layers(Path(directory))
        assert any("clockwise" in f.message for f in faults) is faulty


@settings(max_examples=60, deadline=None)
@given(st.lists(_coordinate, min_size=3, max_size=12, unique=True), st.booleans())
def test_ring_fault_iff_the_closing_position_is_missing(
    points: list[tuple[float, float]], drop_last: bool
) -> None:
    hull = MultiPoint(points).convex_hull
    assume(isinstance(hull, Polygon) and hull.area > 1e-9)
    ring = [list(xy) for xy in orient(hull).exterior.coords]
    ring = ring[:-1] if drop_last else ring
    with tempfile.TemporaryDirectory() as directory:
        feature = _with_geometry({"type": "MultiPolygon", "coordinates": [[ring]]})
        _write(Path(directory), "test-place.geojson", _collection(feature))
        faults = check_layers(Path(directory))
    assert any(f.message.endswith(_RFC) for f in faults) is drop_last
    assert len(faults) == int(drop_last)
