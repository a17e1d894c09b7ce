"""The folium map: layers per location, shading, quotes, escaping and local assets only."""

from __future__ import annotations

import re

import branca.element
import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, box

from geo.maps.mapview import (
    Assets,
    build_map,
    counted,
    escape_text,
    fill_opacity,
    highlight,
    location_from_tooltip,
    tooltip_text,
    view_for_bounds,
)

ASSETS = Assets(leaflet_js="static/leaflet.js", leaflet_css="static/leaflet.css")
HOSTILE = "<img src=x onerror=alert(1)> `tick` ${window.pwned} \\x3cscript\\x3e"


def located_frame(title: str = "Talks stall", sentence: str = "Hamas wants the Corridor back."):
    quote = {
        "article_id": "a1",
        "title": title,
        "source": "Wire",
        "published": "2024-08-23",
        "speaker": "Hamas",
        "sentence": sentence,
        "surfaces": ["Corridor"],
        "kind": "explicit",
    }
    return gpd.GeoDataFrame(
        {
            "location_id": ["corridor", "gate"],
            "name": ["The Corridor", "The Gate"],
            "kind": ["corridor", "crossing"],
            "count": [4, 0],
            "articles": [1, 0],
            "first_mention": ["2024-08-23", None],
            "last_mention": ["2024-08-23", None],
            "quotes": [[quote], []],
            "quote_count": [1, 0],
            "historic": [False, False],
        },
        geometry=[box(34.2, 31.2, 34.3, 31.25), Point(34.25, 31.24)],
        crs="EPSG:4326",
    )


def render(fmap) -> str:
    return fmap.get_root().render()


def test_each_location_is_its_own_toggleable_layer():
    fmap = build_map(located_frame(), assets=ASSETS)
    html = render(fmap)
    assert '"The Corridor \\u2014 4 mentions" : feature_group_' in html
    assert '"The Gate \\u2014 0 mentions" : feature_group_' in html
    assert "L.control.layers" in html


def test_map_loads_only_the_given_assets_and_no_cdn():
    html = render(build_map(located_frame(), assets=ASSETS))
    scripts = re.findall(r'<script src="([^"]+)"', html)
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert scripts == ["static/leaflet.js"]
    assert links == ["static/leaflet.css"]


def test_attribution_names_the_sources_and_no_flag():
    html = render(build_map(located_frame(), assets=ASSETS, attributions=["Layer: ODbL"]))
    assert "attributionControl.setPrefix(\n" in html
    assert '<a href="https://leafletjs.com">Leaflet</a>' in html
    assert 'addAttribution("Layer: ODbL")' in html


def test_drawing_the_map_compiles_no_template(monkeypatch: pytest.MonkeyPatch):
    """Each rerun renders the map: a template compile per element was most of its cost."""
    outlines = gpd.GeoDataFrame(
        {"name": ["Gaza Strip"]}, geometry=[box(34.2, 31.2, 34.6, 31.6)], crs="EPSG:4326"
    )
    places = gpd.GeoDataFrame(
        {"name": ["Cairo"], "count": [2]}, geometry=[Point(31.2, 30.0)], crs="EPSG:4326"
    )
    fmap = build_map(located_frame(), assets=ASSETS, outlines=outlines, context_places=places)
    compiled: list[str] = []
    real = branca.element.Template

    def counting(source: str, *args: object, **kwargs: object) -> object:
        compiled.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(branca.element, "Template", counting)
    fmap.render()  # what st_folium does on every rerun
    assert compiled == []
    html = render(fmap)
    assert html.count(".addTo(map_") >= 4  # outlines and both places; context layer hidden
    assert '"The Corridor \\u2014 4 mentions" : feature_group_' in html


def test_osm_tiles_only_when_asked():
    assert "tile.openstreetmap.org" not in render(build_map(located_frame(), assets=ASSETS))
    osm = render(build_map(located_frame(), assets=ASSETS, basemap="osm"))
    assert "tile.openstreetmap.org" in osm


def test_popup_carries_quote_speaker_title_source_date():
    html = render(build_map(located_frame(), assets=ASSETS))
    assert "\\u003cmark\\u003eCorridor\\u003c/mark\\u003e" in html
    for part in ("Hamas", "Talks stall", "Wire", "2024-08-23"):
        assert part in html


def test_hostile_article_text_is_shown_literally_and_runs_nothing():
    html = render(build_map(located_frame(title=HOSTILE, sentence=HOSTILE), assets=ASSETS))
    assert "<img src=x" not in html
    assert "`tick`" not in html and "${window" not in html
    assert "&amp;lt;img src=x onerror=alert(1)&amp;gt;" not in html  # not double-escaped
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html
    assert "\\u0026#96;tick\\u0026#96;" in html


@given(st.text())
def test_escaped_text_has_no_markup_or_template_characters(text):
    escaped = escape_text(text)
    assert not set("<>`$\\\"'") & set(escaped)


def test_highlight_marks_every_occurrence_and_escapes_the_rest():
    marked = highlight("A <b> & the Corridor, the Corridor.", ["Corridor"])
    assert marked.count("<mark>Corridor</mark>") == 2
    assert "&lt;b&gt; &amp;" in marked


@pytest.mark.parametrize(
    ("count", "peak", "expected"), [(0, 5, 0.12), (5, 5, 0.7), (1, 4, 0.3625), (3, 0, 0.12)]
)
def test_fill_opacity_rises_with_count(count, peak, expected):
    assert fill_opacity(count, peak) == pytest.approx(expected, abs=1e-3)


def test_tooltip_round_trips_to_the_location():
    names = {"The Corridor": "corridor"}
    assert location_from_tooltip(tooltip_text("The Corridor", 4), names) == "corridor"
    assert location_from_tooltip(None, names) is None
    assert location_from_tooltip("Somewhere — 1 mention", names) is None


def test_bad_basemap_and_crs_are_refused():
    with pytest.raises(ValueError, match="'satellite'"):
        build_map(located_frame(), assets=ASSETS, basemap="satellite")
    with pytest.raises(ValueError, match="EPSG:4326"):
        build_map(located_frame().to_crs("EPSG:32636"), assets=ASSETS)


def test_to_dict_lists_one_feature_group_per_location():
    fmap = build_map(located_frame(), assets=ASSETS)
    groups = [
        child for child in fmap.to_dict()["children"].values() if child["name"] == "FeatureGroup"
    ]
    assert len(groups) == 2


@pytest.mark.parametrize(
    ("bounds", "zoom"),
    [
        ((34.2, 31.2, 34.6, 31.6), 10),  # the Gaza Strip, ~40 km
        ((34.25, 31.24, 34.27, 31.26), 15),  # a crossing, ~2 km
    ],
)
def test_view_fits_bounds(bounds, zoom):
    center, fitted = view_for_bounds(bounds)
    assert fitted == zoom
    assert center == pytest.approx(((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2))


def test_empty_bounds_fall_back_to_gaza():
    assert view_for_bounds((float("nan"),) * 4) == ((31.42, 34.36), 10)


def test_view_refuses_swapped_axes():
    with pytest.raises(ValueError, match="min_lon, min_lat"):
        view_for_bounds((31.2, 34.2, 31.6, 200.0))


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ 7*7 }}",
        "{% for x in range(3) %}x{% endfor %}",
        "{{ cycler.__init__.__globals__.os.getpid() }}",
        "{# comment #}",
    ],
)
def test_template_syntax_in_article_text_is_never_evaluated(hostile):
    fmap = build_map(located_frame(title=hostile, sentence=f"On {hostile} Corridor"), assets=ASSETS)
    html = render(fmap).replace("\\u0026", "&")  # the popup travels as a JSON string
    assert f"On {escape_text(hostile)} " in html
    assert "On 49" not in html and "On xxx" not in html


@pytest.mark.parametrize(
    ("number", "expected"), [(0, "0 mentions"), (1, "1 mention"), (2, "2 mentions")]
)
def test_counts_read_as_english(number: int, expected: str) -> None:
    assert counted(number, "mention") == expected


def test_points_and_lines_are_drawn_above_areas_and_take_the_click():
    html = render(build_map(located_frame(), assets=ASSETS))
    z_of = dict(re.findall(r'createPane\("(cm\w+)"\)\.style\.zIndex = (\d+);', html))
    assert int(z_of["cmPoints"]) > int(z_of["cmLines"]) > int(z_of["cmAreas"]) > 400
    assert '"pane": "cmPoints"' in html  # the gate's circle marker
    assert 'pane: "cmAreas"' in html  # the corridor's polygon
    assert html.index("createPane") < html.index("L.geoJSON")  # panes exist before layers


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://www.aa.com.tr/en/story/1", True),
        ("http://wire.example/a?b=1&c='x'", True),
        ("javascript:alert(1)", False),
        (None, False),
    ],
)
def test_a_quote_links_to_its_article_in_a_new_tab(url, linked):
    from geo.maps.mapview import quote_html

    quote = {"sentence": "The Corridor stays.", "surfaces": ["Corridor"], "title": "T",
             "url": url, "source": "AA", "published": None, "speaker": None}  # fmt: skip
    html = quote_html(quote)
    assert ("rel='noopener noreferrer'" in html and "target='_blank'" in html) == linked
    assert "javascript" not in html and "'x'" not in html
    assert "undated" in html


def test_article_text_marks_its_mentions_and_escapes_the_rest():
    from geo.maps.mapview import article_html

    text = "<b>Rafah</b> crossing\nThe corridor `x` stays."
    spans = [(3, 8, "Rafah crossing"), (26, 34, "Philadelphi Corridor"), (4, 9, "overlap")]
    html = article_html(text, spans)
    assert html.startswith("<p>&lt;b&gt;<mark title='Rafah crossing'>Rafah</mark>&lt;/b&gt;")
    assert "<mark title='Philadelphi Corridor'>corridor</mark>" in html
    assert html.count("<p>") == 2 and "`" not in html


def test_a_version_with_an_end_date_is_dashed_and_says_until_when():
    import datetime as dt

    located = located_frame().assign(
        valid_from=[dt.date(2024, 7, 1), None], valid_to=[dt.date(2025, 2, 9), None]
    )
    html = render(build_map(located, assets=ASSETS))
    assert '"The Corridor \\u2014 4 mentions (until 2025-02-09)" : feature_group_' in html
    assert '"The Gate \\u2014 0 mentions" : feature_group_' in html
    assert '"6 4"' in html
    plain = render(build_map(located.assign(valid_to=[None, None]), assets=ASSETS))
    assert '"6 4"' not in plain  # no end date (and not historic): a solid line


def test_the_tooltip_with_an_end_date_still_names_its_location():
    import datetime as dt

    tooltip = tooltip_text("Netzarim Corridor", 3, dt.date(2025, 2, 9))
    assert tooltip == "Netzarim Corridor — 3 mentions (until 2025-02-09)"
    names = {"Netzarim Corridor": "netzarim-corridor"}
    assert location_from_tooltip(tooltip, names) == "netzarim-corridor"
