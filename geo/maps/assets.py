"""Files the map needs beside the layers: vendored Leaflet and the offline region outlines."""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import geopandas as gpd

from geo.maps.mapview import WGS84, Assets

REPO_ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = REPO_ROOT / "static"
LEAFLET_DIR = STATIC_DIR / "leaflet"
OUTLINES_PATH = REPO_ROOT / "data" / "basemap" / "gaza-region.geojson"
SAMPLE_PATH = REPO_ROOT / "data" / "samples" / "anadolu-2024-08-23-gaza-talks.txt"

# The Streamlit component that shows the map lives at <base>/component/<name>/index.html,
# and Streamlit serves ./static at <base>/app/static/: this relative path reaches it under
# any base URL path a reverse proxy adds.
APP_STATIC_URL = "../../app/static"
_CSS_IMAGE = re.compile(r"url\(images/([\w.-]+\.png)\)")


def served_assets(base_url: str = APP_STATIC_URL) -> Assets:
    """Leaflet as served by Streamlit's static file server (``server.enableStaticServing``)."""
    return Assets(
        leaflet_js=f"{base_url}/leaflet/leaflet.js",
        leaflet_css=f"{base_url}/leaflet/leaflet.css",
    )


@cache
def inline_assets() -> Assets:
    """Leaflet inlined as ``data:`` URIs, for a standalone HTML file that works offline."""
    css = _CSS_IMAGE.sub(_inline_image, (LEAFLET_DIR / "leaflet.css").read_text("utf-8"))
    return Assets(
        leaflet_js=_data_uri(LEAFLET_DIR / "leaflet.js", "text/javascript"),
        leaflet_css=_encode(css.encode("utf-8"), "text/css"),
    )


@cache
def load_outlines(path: Path = OUTLINES_PATH) -> gpd.GeoDataFrame:
    """Read (once) the region outlines (Gaza Strip, Israel, Egypt; OSM-derived) in EPSG:4326.

    The frame is shared: callers read it and never change it.
    """
    outlines = gpd.read_file(path)
    if outlines.crs is None or outlines.crs != WGS84:
        raise ValueError(f"{str(path)!r} is not in EPSG:4326 (found {outlines.crs!r})")
    return outlines


def _inline_image(match: re.Match[str]) -> str:
    """Replace ``url(images/x.png)`` in Leaflet's CSS by the image itself."""
    return f"url({_data_uri(LEAFLET_DIR / 'images' / match.group(1), 'image/png')})"


def _data_uri(path: Path, media_type: str) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"vendored asset {str(path)!r} is missing")
    return _encode(path.read_bytes(), media_type)


def _encode(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
