"""Contested Map: find mentions of contested places in news and map them with their quotes."""

from geo.native import check_fresh

__version__ = "0.1.0"

check_fresh()  # a compiled module older than its source would run old code
