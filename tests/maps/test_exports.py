"""Publishable outputs: a standalone HTML map that needs no network, and per-location GeoJSON."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from geo.maps.exports import locations_geojson, standalone_html
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
