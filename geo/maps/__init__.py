"""Maps: join mentions to their places and draw them with folium, pure; exports; view URLs.

Hands on a ``folium.Map`` (one layer per place, its quotes a click away), GeoJSON and a
standalone HTML map for publishing, and the view's state as URL query parameters.
"""

from geo.maps.exports import draw, locate
from geo.maps.viewstate import ViewState, parse_query, share_url, to_query

__all__ = ["ViewState", "draw", "locate", "parse_query", "share_url", "to_query"]
