"""The map for print: a PNG drawn with matplotlib, no browser and no network (pure).

The same places as the web map (shapes, colours by kind, dashed when a version has ended), the
region outlines under them, each place named with its count, and the lines a publication
needs: a title, the dates and sources shown, and the attributions.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence

import geopandas as gpd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from geo.maps.mapview import (
    DEFAULT_STYLE,
    KIND_STYLES,
    PANES,
    counted,
    drawn_dashed,
    fill_opacity,
    pane_for,
)

PRINT_SIZE_INCHES = (8.0, 9.0)
PRINT_DPI = 200
LONLAT = "EPSG:4326"


def map_png(
    located: gpd.GeoDataFrame,
    outlines: gpd.GeoDataFrame,
    *,
    title: str,
    subtitle: str,
    attributions: Sequence[str],
    bounds: tuple[float, float, float, float] | None = None,
    dpi: int = PRINT_DPI,
) -> bytes:
    """Draw the located places over the outlines; return the PNG.

    Parameters
    ----------
    located
        One row per place (``locate``): ``name``, ``kind``, ``count``, ``valid_to``,
        ``historic`` and a geometry, in EPSG:4326.
    outlines
        The region outlines, in EPSG:4326.
    title, subtitle
        Printed above the map (what it shows; the dates and sources).
    attributions
        Printed under it, one line each (OpenStreetMap, GeoNames…).
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` to show; None: the places'.
    dpi
        Dots per inch (the PNG is 8 × 9 inches).
    """
    for frame, what in ((located, "places"), (outlines, "outlines")):
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            raise ValueError(f"{what} must be in {LONLAT} (lon/lat), not {frame.crs!r}")
    if not 50 <= dpi <= 600:
        raise ValueError(f"dpi must be between 50 and 600, got {dpi!r}")
    figure = Figure(figsize=PRINT_SIZE_INCHES, dpi=dpi)  # no pyplot: no global state, threads ok
    axes = figure.add_axes((0.03, 0.09, 0.94, 0.765))
    _draw_outlines(axes, outlines)
    _draw_places(axes, located)
    _frame(axes, bounds or tuple(located.total_bounds))
    figure.text(0.03, 0.955, title, fontsize=16, fontweight="bold", va="top")
    wrapped = "\n".join(textwrap.wrap(subtitle, width=100))
    figure.text(0.03, 0.915, wrapped, fontsize=9.5, color="#444444", va="top")
    figure.text(0.03, 0.02, "\n".join(attributions), fontsize=7, color="#555555", va="bottom")
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def _draw_outlines(axes: Axes, outlines: gpd.GeoDataFrame) -> None:
    outlines.plot(ax=axes, color="#ebe6da", edgecolor="#6b6b6b", linewidth=0.6, zorder=1)


def _draw_places(axes: Axes, located: gpd.GeoDataFrame) -> None:
    """Areas, then lines, then points, as on the web map; each named with its count."""
    panes = sorted(PANES.values())
    ranked = located.assign(
        layer_order=[panes.index(PANES[pane_for(g.geom_type)]) for g in located.geometry]
    )
    peak = int(located["count"].max()) if len(located) else 0
    for row in ranked.sort_values("layer_order", kind="stable").itertuples(index=False):
        style = {**DEFAULT_STYLE, **KIND_STYLES.get(str(row.kind), {})}
        shape = gpd.GeoSeries([row.geometry], crs=LONLAT)
        shape.plot(
            ax=axes,
            color=style["color"] if row.geometry.geom_type.endswith("Point") else "none",
            facecolor=_fill(style["color"], fill_opacity(int(row.count), peak)),
            edgecolor=style["color"],
            linewidth=1.6,
            linestyle="--" if drawn_dashed(row) else "-",
            markersize=60,
            zorder=2 + int(row.layer_order),
        )
        point = row.geometry.representative_point()
        is_point = row.geometry.geom_type.endswith("Point")  # points named right, others left
        axes.annotate(
            f"{row.name}\n{counted(int(row.count), 'mention')}",
            (point.x, point.y),
            xytext=(9, 4) if is_point else (-9, 4),
            textcoords="offset points",
            ha="left" if is_point else "right",
            fontsize=8,
            zorder=6,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )


def _frame(axes: Axes, bounds: tuple[float, ...]) -> None:
    """Show ``bounds`` with a margin, lon/lat at the latitude's true ratio, no axis frame."""
    min_lon, min_lat, max_lon, max_lat = bounds
    pad_lon, pad_lat = (max_lon - min_lon) * 0.08 + 0.01, (max_lat - min_lat) * 0.08 + 0.01
    axes.set_xlim(min_lon - pad_lon, max_lon + pad_lon)
    axes.set_ylim(min_lat - pad_lat, max_lat + pad_lat)
    axes.set_aspect(1 / math.cos(math.radians((min_lat + max_lat) / 2)))
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_xlabel("")
    axes.set_ylabel("")
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.set_facecolor("#d7e6f0")  # the sea


def _fill(color: str, opacity: float) -> tuple[float, float, float, float]:
    """The kind's colour ``#rrggbb`` with an opacity (the web map's :func:`fill_opacity`)."""
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (red, green, blue, opacity)
