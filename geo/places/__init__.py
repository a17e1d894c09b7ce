"""Places: the contested locations' layer files, checked and loaded into a gazetteer.

Hands on a :class:`Gazetteer`: one GeoDataFrame of every location's dated versions, and the
aliases per language that extraction looks for.
"""

from geo.places.layers import (
    DEFAULT_LAYERS_DIR,
    Gazetteer,
    LayerError,
    check_layers,
    load_gazetteer,
)

__all__ = ["DEFAULT_LAYERS_DIR", "Gazetteer", "LayerError", "check_layers", "load_gazetteer"]
