"""Contested Map: find mentions of contested places in news and map them with their quotes."""

__version__ = "0.1.0"
