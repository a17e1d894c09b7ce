"""Schema revisions, applied in order."""
