"""Basemap names: the Strip's towns from GeoNames without diacritics, and the countries."""

from __future__ import annotations

import pytest

from geo.maps.assets import served_assets
from geo.maps.exports import draw, locate
from geo.places import load_gazetteer
from geo.places.labels import basemap_labels
from geo.store.database import MENTION_COLUMNS

AROUND_GAZA = (33.8, 30.8, 35.2, 32.0)


def test_the_strips_towns_and_neighbours_are_named_plainly() -> None:
    labels = {label.name: label for label in basemap_labels(AROUND_GAZA)}
    assert {"Gaza", "Khan Yunis", "Rafah", "Ashkelon", "EGYPT", "ISRAEL"} <= set(labels)
    assert "Mediterranean Sea" in labels
    assert labels["Gaza"].rank == "city" and labels["Dayr al Balah"].rank == "town"
    assert labels["Rafah"].lon == pytest.approx(34.24, abs=0.01)  # one Rafah, the larger
    assert all(name.isascii() for name in labels)


@pytest.mark.parametrize("bounds", [(35, 30, 34, 31), (34, 95, 35, -95), (34, 31, 35, 91)])
def test_bounds_that_are_not_lon_lat_are_refused(bounds: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="min_lon, min_lat"):
        basemap_labels(bounds)  # type: ignore[arg-type]


def test_offline_map_prints_the_names_and_credits_geonames() -> None:
    import pandas as pd

    gazetteer = load_gazetteer()
    located = locate(pd.DataFrame(columns=list(MENTION_COLUMNS)), gazetteer)
    html = draw(located, gazetteer, served_assets()).get_root().render()
    assert '"Khan Yunis"' in html and "cm-label" in html
    assert "GeoNames" in html
    tiles = draw(located, gazetteer, served_assets(), basemap="osm").get_root().render()
    assert '"Khan Yunis"' not in tiles  # the tiles carry their own names
