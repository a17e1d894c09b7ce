"""The map for print: a PNG with the places in their colours, a title, the dates and sources."""

from __future__ import annotations

import datetime as dt
import io

import geopandas as gpd
import pandas as pd
import pytest
from PIL import Image
from shapely.geometry import LineString, Point, box

from geo.maps.exports import print_png
from geo.maps.printmap import PRINT_SIZE_INCHES, map_png
from geo.places.layers import load_gazetteer

OUTLINES = gpd.GeoDataFrame(
    {"name": ["Gaza Strip"]}, geometry=[box(34.2, 31.2, 34.6, 31.6)], crs="EPSG:4326"
)


def located(**columns: list[object]) -> gpd.GeoDataFrame:
    frame = {
        "name": ["The Corridor", "The Gate", "The Road"],
        "kind": ["corridor", "crossing", "corridor"],
        "count": [4, 0, 1],
        "historic": [False, False, False],
        "valid_to": [None, None, None],
        **columns,
    }
    shapes = [
        box(34.3, 31.3, 34.4, 31.35),
        Point(34.25, 31.25),
        LineString([(34.3, 31.5), (34.5, 31.5)]),
    ]
    return gpd.GeoDataFrame(frame, geometry=shapes, crs="EPSG:4326")


def image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_the_print_map_is_a_png_of_the_stated_size_with_each_kind_in_its_colour():
    png = map_png(located(), OUTLINES, title="T", subtitle="S", attributions=["© OSM"], dpi=100)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    picture = image(png)
    assert picture.size == tuple(int(side * 100) for side in PRINT_SIZE_INCHES)
    colours = set(picture.get_flattened_data())

    def drawn(rgb: tuple[int, int, int]) -> bool:
        return any(sum(abs(a - b) for a, b in zip(rgb, c, strict=True)) < 30 for c in colours)

    assert drawn((0xB2, 0x18, 0x2B))  # the corridors' red
    assert drawn((0x21, 0x66, 0xAC))  # the crossing's blue


def test_an_ended_version_is_drawn_dashed():
    solid = image(map_png(located(), OUTLINES, title="T", subtitle="S", attributions=[], dpi=80))
    dashed = image(
        map_png(
            located(valid_to=[dt.date(2025, 2, 9), None, None]),
            OUTLINES, title="T", subtitle="S", attributions=[], dpi=80,
        )
    )  # fmt: skip

    def red(picture: Image.Image) -> int:
        pixels = picture.get_flattened_data()
        return sum(1 for c in pixels if c[0] > 150 and c[1] < 60 and c[2] < 80)

    assert red(dashed) < red(solid)  # the gaps of the dashes


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ({"located": located().to_crs("EPSG:3857")}, "places must be in EPSG:4326"),
        ({"outlines": OUTLINES.set_crs(None, allow_override=True)}, "outlines must be in EPSG"),
        ({"dpi": 5000}, "dpi must be between 50 and 600, got 5000"),
    ],
)
def test_bad_input_is_refused_by_name(frames, message):
    arguments = {"located": located(), "outlines": OUTLINES, "dpi": 100, **frames}
    with pytest.raises(ValueError, match=message):
        map_png(
            arguments["located"], arguments["outlines"], title="T", subtitle="S",
            attributions=[], dpi=arguments["dpi"],
        )  # fmt: skip


def test_print_png_of_stored_mentions_draws_the_real_layers():
    mentions = pd.DataFrame(
        [{"article_id": "a1", "location_id": "rafah-crossing", "surface": "Rafah crossing",
          "start": 0, "end": 14, "kind": "explicit", "sentence": "Rafah crossing.",
          "speaker": None, "title": "T", "source": "Wire", "published": dt.date(2024, 9, 1),
          "url": None}]
    )  # fmt: skip
    png = print_png(mentions, load_gazetteer(), as_of=dt.date(2024, 9, 1))
    assert image(png).size[0] > 1000
