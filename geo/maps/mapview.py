"""Build the folium map from joined locations: pure, data in and a ``folium.Map`` out."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import pyproj
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import ElementAddToElement
from folium.template import Template
from shapely.geometry import mapping

WGS84 = "EPSG:4326"
_WGS84_CRS = pyproj.CRS(WGS84)
GAZA_CENTER = (31.42, 34.36)
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors, ODbL'
)
BASEMAPS = ("offline", "osm")
TOWN_LABELS_FROM_ZOOM = 11
"""Towns under 100,000 people are labelled from this zoom in (cities at every zoom)."""

KIND_STYLES: dict[str, dict[str, Any]] = {
    "corridor": {"color": "#b2182b", "weight": 2},
    "crossing": {"color": "#2166ac", "weight": 2, "radius": 9},
    "junction": {"color": "#762a83", "weight": 2, "radius": 8},
    "region": {"color": "#4d4d4d", "weight": 1},
}
DEFAULT_STYLE: dict[str, Any] = {"color": "#1b7837", "weight": 2, "radius": 8}

# Besides HTML: characters a JavaScript template literal interprets, and the braces of
# jinja2 syntax (branca compiles rendered output as a template; see _render_macros).
_JS_UNSAFE = str.maketrans(
    {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}
)


@dataclass(frozen=True)
class Assets:
    """Where the page loads Leaflet from: URLs (served locally) or inlined ``data:`` URIs."""

    leaflet_js: str
    leaflet_css: str


def escape_text(value: object) -> str:
    """Escape article text for HTML, JavaScript template literals and jinja2 templates."""
    return html.escape("" if value is None else str(value), quote=True).translate(_JS_UNSAFE)


def build_map(
    located: gpd.GeoDataFrame,
    *,
    assets: Assets,
    outlines: gpd.GeoDataFrame | None = None,
    context_places: gpd.GeoDataFrame | None = None,
    basemap: str = "offline",
    selected: str | None = None,
    attributions: Sequence[str] = (),
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    labels: Sequence[Any] = (),
) -> folium.Map:
    """Draw each location as its own toggleable layer over the region outlines.

    Parameters
    ----------
    located
        Output of :func:`geo.maps.join.join_mentions` (EPSG:4326).
    assets
        Leaflet script and stylesheet locations; nothing is fetched from a CDN.
    outlines
        Region outlines (countries, the Gaza Strip) drawn as the offline basemap.
    context_places
        Cities and countries also named (``name, count, geometry``); a layer off by default.
    basemap
        ``"offline"`` (outlines only) or ``"osm"`` (OpenStreetMap tiles over the outlines).
    selected
        ``location_id`` to outline more strongly and open.
    attributions
        Licence lines of the data drawn (the layer files' ``attribution``).
    center, zoom
        Initial view (a shared link's); without them the map fits ``bounds``.
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` to fit when no centre and zoom are given;
        default: everything in ``located``.
    labels
        Names to print on the basemap (``name, lat, lon, rank``: country, sea, city, town);
        towns appear from zoom :data:`TOWN_LABELS_FROM_ZOOM`. Text, never markup.
    """
    _check_frame(located, "located")
    if basemap not in BASEMAPS:
        raise ValueError(f"basemap must be one of {BASEMAPS!r}, got {basemap!r}")
    if center is None or zoom is None:
        center, zoom = view_for_bounds(bounds or tuple(located.total_bounds))
    fmap = _new_map(assets, center, zoom)
    if outlines is not None:
        _check_frame(outlines, "outlines")
        _add_outlines(fmap, outlines)
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap tiles", overlay=True).add_to(fmap)
    elif labels:
        _Labels(labels, TOWN_LABELS_FROM_ZOOM).add_to(fmap)
    peak = int(located["count"].max()) if len(located) else 0
    _add_panes(fmap)
    for row in located.itertuples(index=False):
        _add_location(fmap, row, peak, selected == row.location_id)
    if context_places is not None and len(context_places):
        _check_frame(context_places, "context_places")
        _add_context_places(fmap, context_places)
    _add_attribution(fmap, [OSM_ATTRIBUTION, *attributions])
    _LayerControl(collapsed=True, position="topright").add_to(fmap)
    return fmap


def tooltip_text(name: str, count: int, until: dt.date | None = None) -> str:
    """Return the hover text of a location: its name, how often it is mentioned, and the last
    day of the version drawn when it has one ("until 2025-02-09")."""
    ended = f" (until {until.isoformat()})" if until is not None else ""
    return f"{name} — {counted(count, 'mention')}{ended}"


def location_from_tooltip(tooltip: str | None, names: dict[str, str]) -> str | None:
    """Map a clicked tooltip's text back to a ``location_id`` (``names``: name → id)."""
    if not tooltip:
        return None
    name = tooltip.split(" — ", 1)[0].strip()
    return names.get(name)


def counted(number: int, noun: str) -> str:
    """Return ``number`` with ``noun``, plural unless it is one ("1 article", "2 articles")."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def popup_html(name: str, row: Any, limit: int = 10) -> str:
    """Return the popup for a location: counts, then the newest quotes with the place marked."""
    quotes = list(row.quotes)[:limit]
    parts = [
        f"<div class='cm-popup'><h4>{escape_text(name)}</h4>",
        f"<p>{counted(int(row.count), 'mention')} in {counted(int(row.articles), 'article')}",
    ]
    if row.first_mention:
        parts.append(f", {escape_text(row.first_mention)} to {escape_text(row.last_mention)}")
    parts.append("</p>")
    parts.extend(quote_html(quote) for quote in quotes)
    if int(row.quote_count) > len(quotes):
        parts.append("<p><em>The newest shown; every quote is in the side panel.</em></p>")
    parts.append("</div>")
    return "".join(parts)


def quote_html(quote: dict[str, Any]) -> str:
    """Render one quote: sentence with each surface in ``<mark>``, then speaker and article."""
    sentence = highlight(quote["sentence"], quote["surfaces"])
    speaker = quote.get("speaker")
    said = f"<b>{escape_text(speaker)}</b> · " if speaker else ""
    meta = " · ".join(
        escape_text(part)
        for part in (quote.get("source"), quote.get("published") or "undated")
        if part
    )
    title = f"<cite>{escape_text(quote.get('title'))}</cite>"
    if quote.get("title_derived"):
        title += " <small class='cm-derived'>(title from the text)</small>"
    url = quote.get("url")
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        title = (
            f"<a href='{escape_text(url)}' target='_blank' rel='noopener noreferrer'>{title}</a>"
        )
    return (
        f"<blockquote class='cm-quote'>{sentence}"
        f"<footer>{said}{title}{' · ' + meta if meta else ''}</footer></blockquote>"
    )


def article_html(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """Escape an article's text, marking each ``(start, end, label)`` span; paragraphs kept."""
    pieces: list[str] = []
    last = 0
    for start, end, label in sorted(spans):
        if start < last or not 0 <= start < end <= len(text):
            continue  # overlapping or out of range: the text stays as it is
        pieces.append(escape_text(text[last:start]))
        pieces.append(f"<mark title='{escape_text(label)}'>{escape_text(text[start:end])}</mark>")
        last = end
    pieces.append(escape_text(text[last:]))
    paragraphs = "".join(pieces).split("\n")
    return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs if paragraph.strip())


def highlight(sentence: str, surfaces: Iterable[str]) -> str:
    """Escape ``sentence`` and wrap every occurrence of each surface in ``<mark>``."""
    wanted = sorted({s for s in surfaces if s}, key=len, reverse=True)
    if not wanted:
        return escape_text(sentence)
    pattern = re.compile("|".join(re.escape(s) for s in wanted))
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(sentence):
        pieces.append(escape_text(sentence[last : match.start()]))
        pieces.append(f"<mark>{escape_text(match.group())}</mark>")
        last = match.end()
    pieces.append(escape_text(sentence[last:]))
    return "".join(pieces)


class _Rendered(Element):
    """Text already rendered, added to the page as it is."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def _render_macros(element: MacroElement, kwargs: dict[str, Any]) -> str:
    """Add ``element``'s rendered macros to its figure as text, then render its children.

    branca's ``MacroElement.render`` wraps each rendered macro in ``Element(output)``, which
    compiles the output as a jinja2 template: a compile per element and rerun (most of the
    cost of drawing the map), and text that reached the output (``{{ ... }}`` in an article)
    would run as template code on the server. Every element of the map renders through here.
    """
    figure = element.get_root()
    module = element._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = module.get(part)
        if macro is not None:
            target = getattr(figure, part)
            target.add_child(_Rendered(macro(element, kwargs)), name=element.get_name())
    for child in element._children.values():
        child.render(**kwargs)
    return ""  # as branca's: the output went to the figure


class _Precompiled(MacroElement):
    """A macro element whose rendered output is added as text, not compiled again."""

    def render(self, **kwargs: Any) -> str:
        """Add the rendered macros to the figure; like branca's, returns nothing useful."""
        return _render_macros(self, kwargs)


class _Map(folium.Map):
    """folium's map, rendered as :func:`_render_macros` does (links first, as folium's)."""

    def render(self, **kwargs: Any) -> str:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise TypeError(f"a map renders inside a Figure, not {type(figure).__name__!r}")
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        return _render_macros(self, kwargs)


class _AddTo(_Precompiled, ElementAddToElement):
    """``layer.addTo(parent)``, folium's own element, rendered without a compile."""


class _Group(folium.FeatureGroup):
    """folium's feature group (a toggle in the layer control), rendered without a compile."""

    def render(self, **kwargs: Any) -> str:
        parent = _parent_of(self)
        if self.show:  # as folium's Layer.render: shown layers add themselves to the map
            add = _AddTo(element_name=self.get_name(), element_parent_name=parent.get_name())
            self.add_child(add, name=self.get_name() + "_add")
        return _render_macros(self, kwargs)


class _LayerControl(folium.LayerControl):
    """folium's layer control, rendered without a compile."""

    def render(self, **kwargs: Any) -> str:
        self.reset()  # as folium's: the groups of the map, overlays and base layers
        for item in _parent_of(self)._children.values():
            if isinstance(item, folium.map.Layer) and item.control:
                names = self.overlays if item.overlay else self.base_layers
                names[item.layer_name] = item.get_name()
        return _render_macros(self, kwargs)


def _parent_of(element: Element) -> Element:
    if element._parent is None:
        raise ValueError(f"{type(element).__name__} {element.get_name()!r} is not on a map")
    return element._parent


class BindContent(_Precompiled):
    """Bind a tooltip and popup to a layer and its sub-layers, passing the HTML as JSON.

    Folium's own ``Popup`` and ``Tooltip`` interpolate content into JavaScript template
    literals; here the (already escaped) HTML travels as a JSON string instead, so no
    character of article text can be read as code.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (layer) {
            var bind = function (l) {
                l.bindTooltip({{ this.tooltip|tojson }}, {sticky: true});
                {% if this.popup %}
                l.bindPopup({{ this.popup|tojson }}, {
                    maxWidth: 300, minWidth: 220, maxHeight: 320, autoPanPadding: [12, 12]
                });
                {% endif %}
            };
            if (layer.eachLayer) { layer.eachLayer(bind); } else { bind(layer); }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, tooltip: str, popup: str | None = None) -> None:
        super().__init__()
        self._name = "BindContent"
        self.tooltip = tooltip
        self.popup = popup


class StaticGeoJson(_Precompiled):
    """A GeoJSON layer with one style for all its features (points as circle markers).

    Lighter than ``folium.GeoJson`` for what the map draws: no per-feature style maps, and its
    script is added without a template compile.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data|tojson }}, {
            style: function () { return {{ this.style|tojson }}; },
            pointToLayer: function (feature, latlng) {
                return L.circleMarker(latlng, {{ this.marker|tojson }});
            },
            {% if this.highlight %}
            onEachFeature: function (feature, layer) {
                layer.on({
                    mouseover: function (e) { e.target.setStyle({{ this.highlight|tojson }}); },
                    mouseout: function (e) { e.target.setStyle({{ this.style|tojson }}); }
                });
            },
            {% endif %}
            {% if this.pane %}pane: {{ this.pane|tojson }},{% endif %}
            interactive: {{ this.interactive|tojson }}
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict[str, Any],
        style: dict[str, Any],
        *,
        radius: float = 8,
        highlight: dict[str, Any] | None = None,
        interactive: bool = True,
        pane: str | None = None,
    ) -> None:
        super().__init__()
        self._name = "StaticGeoJson"
        self.data = data
        self.style = {key: value for key, value in style.items() if value is not None}
        self.marker = {**self.style, "radius": radius}
        if pane:
            self.marker["pane"] = pane
        self.pane = pane
        self.highlight = highlight
        self.interactive = interactive


class _Labels(_Precompiled):
    """Names printed on the basemap, under every layer's clicks; small towns only zoomed in."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var pane = map.createPane("cmLabels");
            pane.style.zIndex = 440;
            pane.style.pointerEvents = "none";
            {{ this.labels|tojson }}.forEach(function (l) {
                var text = document.createElement("span");
                text.textContent = l[0];
                L.marker([l[1], l[2]], {
                    pane: "cmLabels", interactive: false, keyboard: false,
                    icon: L.divIcon({className: "cm-label cm-label-" + l[3], html: text,
                                     iconSize: null})
                }).addTo(map);
            });
            function byZoom() {
                var far = map.getZoom() < {{ this.towns_from }};
                map.getContainer().classList.toggle("cm-zoomed-out", far);
            }
            map.on("zoomend", byZoom);
            byZoom();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, labels: Iterable[Any], towns_from: int) -> None:
        super().__init__()
        self._name = "Labels"
        self.labels = [[label.name, label.lat, label.lon, label.rank] for label in labels]
        self.towns_from = towns_from


class MapStyle(_Precompiled):
    """Page styles for quotes and the legend, plus the map's attribution lines."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .leaflet-container { background: #d4e3ef; }
        .cm-popup { font: 12px/1.4 sans-serif; }
        .cm-popup h4 { margin: 0 0 4px; font-size: 14px; font-weight: bold; }
        .cm-popup p { margin: 2px 0 6px; color: #444; font-size: 12px; }
        .cm-quote { margin: 6px 0; padding: 0 0 0 8px; border-left: 3px solid #b2182b;
                    font-size: 12px; line-height: 1.4; }
        .cm-quote mark { background: #ffe08a; padding: 0 1px; }
        .cm-quote footer { font-size: 11px; color: #555; margin-top: 2px; }
        .cm-legend { background: #fff; padding: 6px 8px; font: 12px sans-serif;
                     border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
        .cm-legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
                       vertical-align: -1px; border: 2px solid; border-radius: 2px; }
        .cm-label { white-space: nowrap; transform: translate(-50%, -50%); color: #333;
                    font: 12px/1.2 sans-serif; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
        .cm-label-city { font-weight: bold; font-size: 13px; }
        .cm-label-town { font-size: 11px; color: #444; }
        .cm-label-country { font-size: 15px; letter-spacing: 3px; color: #6b6353; }
        .cm-label-sea { font-style: italic; font-size: 14px; color: #3d6b8f; }
        .cm-zoomed-out .cm-label-town { display: none; }
        .leaflet-popup-content { max-height: 40vh; overflow-y: auto; }
        .leaflet-control-attribution { font-size: 10px; line-height: 1.3; max-width: 70%; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {# a map of contested places shows its sources, and no flag beside them #}
        {{ this._parent.get_name() }}.attributionControl.setPrefix(
            '<a href="https://leafletjs.com">Leaflet</a>');
        {% for line in this.attributions %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ line|tojson }});
        {% endfor %}
        (function (map) {
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "cm-legend");
                div.innerHTML = {{ this.legend|tojson }};
                return div;
            };
            legend.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, attributions: Sequence[str], legend: str) -> None:
        super().__init__()
        self._name = "MapStyle"
        self.attributions = list(dict.fromkeys(attributions))
        self.legend = legend


def view_for_bounds(
    bounds: tuple[float, ...], size_px: tuple[int, int] = (600, 600)
) -> tuple[tuple[float, float], int]:
    """Centre ``(lat, lon)`` and the largest web-map zoom at which ``bounds`` fit ``size_px``.

    ``bounds`` is ``(min_lon, min_lat, max_lon, max_lat)`` in degrees; empty or invalid bounds
    give the Gaza Strip's centre at zoom 10.
    """
    if len(bounds) != 4 or not all(map(math.isfinite, bounds)):
        return GAZA_CENTER, 10
    min_lon, min_lat, max_lon, max_lat = bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -85 <= min_lat <= max_lat <= 85):
        raise ValueError(f"bounds must be (min_lon, min_lat, max_lon, max_lat), got {bounds!r}")
    center = ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)
    width_px, height_px = size_px
    for zoom in range(18, 1, -1):
        scale = 256 * 2**zoom
        x_span = (max_lon - min_lon) / 360 * scale
        y_span = (_mercator_y(max_lat) - _mercator_y(min_lat)) * scale
        if x_span <= width_px and y_span <= height_px:
            return center, zoom
    return center, 1


def _mercator_y(lat: float) -> float:
    """Web Mercator y of a latitude, as a fraction of the world's height."""
    radians = math.radians(lat)
    return math.log(math.tan(math.pi / 4 + radians / 2)) / (2 * math.pi)


def fill_opacity(count: int, peak: int) -> float:
    """Shade by mention count: 0.12 for an unmentioned place up to 0.7 for the most mentioned."""
    if count <= 0 or peak <= 0:
        return 0.12
    return round(0.25 + 0.45 * min(count, peak) / peak, 3)


def _new_map(assets: Assets, center: tuple[float, float], zoom: int) -> folium.Map:
    fmap = _Map(
        location=list(center),
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    fmap.default_js = [("leaflet", assets.leaflet_js)]
    fmap.default_css = [("leaflet_css", assets.leaflet_css)]
    return fmap


def _add_outlines(fmap: folium.Map, outlines: gpd.GeoDataFrame) -> None:
    group = _Group(name="Region outlines (offline)", control=False)
    for row in outlines.itertuples(index=False):
        is_gaza = "gaza" in str(getattr(row, "name", "")).lower()
        style = {
            "color": "#6b6b6b",
            "weight": 1.5 if is_gaza else 1,
            "fillColor": "#f4efe4" if is_gaza else "#ebe6da",
            "fillOpacity": 1,
        }
        StaticGeoJson(mapping(row.geometry), style, interactive=False).add_to(group)
    group.add_to(fmap)


def _add_location(fmap: folium.Map, row: Any, peak: int, selected: bool) -> None:
    style = {**DEFAULT_STYLE, **KIND_STYLES.get(row.kind, {})}
    radius = style.pop("radius", 8)
    count = int(row.count)
    until = version_end(row)
    style.update(
        fillColor=style["color"],
        fillOpacity=fill_opacity(count, peak),
        weight=style["weight"] + (2 if selected else 0),
        dashArray="6 4" if drawn_dashed(row) else None,
    )
    label = tooltip_text(row.name, count, until)
    group = _Group(name=escape_text(label), show=True)
    layer = StaticGeoJson(
        mapping(row.geometry),
        {**style, "fill": True},
        radius=radius + min(count, 12) // 3,
        highlight={"weight": 5},
        pane=pane_for(row.geometry.geom_type),
    )
    BindContent(escape_text(label), popup_html(row.name, row)).add_to(layer)
    layer.add_to(group)
    group.add_to(fmap)


def version_end(row: Any) -> dt.date | None:
    """The last day of the version of a located place that is drawn, if it has one."""
    return _day(getattr(row, "valid_to", None))


def drawn_dashed(row: Any) -> bool:
    """Whether a located place is drawn dashed: no version in force (``historic``), or the
    version drawn has an end date."""
    return bool(row.historic) or version_end(row) is not None


def _day(value: Any) -> dt.date | None:
    """A layer date (a date, a timestamp, ISO text, or missing) as a date, else None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value)
    return None


PANES = {"cmAreas": 410, "cmLines": 420, "cmPoints": 430}
"""Leaflet panes of the contested places, by geometry: points above lines above areas, so a
junction's circle always takes the click over the corridor polygon around it (also after a
layer is toggled off and on, which would otherwise redraw it on top)."""


def pane_for(geom_type: str) -> str:
    """Return the pane a geometry type is drawn in (unknown types with the areas)."""
    if geom_type in ("Point", "MultiPoint"):
        return "cmPoints"
    if geom_type in ("LineString", "MultiLineString"):
        return "cmLines"
    return "cmAreas"


class _Panes(_Precompiled):
    """Create the map's panes of :data:`PANES` (before any layer is added to them)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% for name, z in this.panes.items() %}
        {{ this._parent.get_name() }}.createPane({{ name|tojson }}).style.zIndex = {{ z }};
        {% endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, panes: dict[str, int]) -> None:
        super().__init__()
        self._name = "Panes"
        self.panes = panes


def _add_panes(fmap: folium.Map) -> None:
    _Panes(PANES).add_to(fmap)


def _add_context_places(fmap: folium.Map, places: gpd.GeoDataFrame) -> None:
    group = _Group(name="Other places named (cities, countries)", show=False)
    for row in places.itertuples(index=False):
        layer = StaticGeoJson(
            mapping(row.geometry),
            {"color": "#555", "weight": 1, "fill": True, "fillColor": "#999", "fillOpacity": 0.6},
            radius=5,
        )
        BindContent(escape_text(tooltip_text(row.name, int(row.count)))).add_to(layer)
        layer.add_to(group)
    group.add_to(fmap)


def _add_attribution(fmap: folium.Map, lines: Sequence[str]) -> None:
    """Add each licence line once; OpenStreetMap's is written once, with its link."""
    safe = [
        line if line == OSM_ATTRIBUTION else escape_text(line)
        for line in lines
        if line and (line == OSM_ATTRIBUTION or "openstreetmap" not in line.lower())
    ]
    MapStyle(safe, _legend_html()).add_to(fmap)


def _legend_html() -> str:
    rows = [
        ("#b2182b", "Corridor"),
        ("#2166ac", "Crossing"),
        ("#762a83", "Junction"),
    ]
    items = "<br>".join(f"<i style='border-color:{c};background:{c}55'></i>{t}" for c, t in rows)
    return (
        f"<b>Contested places</b><br>{items}<br><span>Darker = mentioned more</span><br>"
        "<span>Dashed = no longer in force</span>"
    )


def _is_wgs84(crs: pyproj.CRS) -> bool:
    """Whether ``crs`` is WGS84 lon/lat; its usual spelling is recognised without a slow compare."""
    if str(crs.srs).upper() == WGS84:
        return True
    return bool(crs == _WGS84_CRS)


def _check_frame(frame: gpd.GeoDataFrame, what: str) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"{what} must be a GeoDataFrame, got {type(frame).__name__!r}")
    if frame.crs is None or not _is_wgs84(frame.crs):
        crs = None if frame.crs is None else frame.crs.to_string()
        raise ValueError(f"{what} CRS is {crs!r}; expected 'EPSG:4326' (WGS84 lon/lat)")
