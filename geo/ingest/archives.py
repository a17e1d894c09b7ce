"""Read JSON Lines archive dumps: one article per line, ``{"title", "text", "url", "source",
"published"}``.

Only ``text`` is required. Lines are read one at a time, so an archive of any size streams; a bad
line is reported by number and the lines after it still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

ARCHIVE_SUFFIXES = frozenset({".jsonl", ".ndjson"})
MAX_LINE_BYTES = 32 * 1024 * 1024
"""Longest line read: an article at the text cap, with room for JSON escapes."""
FIELDS = ("title", "text", "url", "source", "published")
_READ_CHUNK = 1024 * 1024


class ArchiveError(ValueError):
    """One archive line could not be read; the message says why (the caller names the line)."""


@dataclass(frozen=True)
class ArchiveRecord:
    """One article of an archive, its fields as written (``published`` is not parsed here)."""

    line: int
    text: str
    title: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None


def count_records(stream: BinaryIO) -> int:
    """Count the non-blank lines from the stream's position to its end (one record each)."""
    return sum(1 for _, line in _lines(stream) if line is None or line.strip())


def read_records(stream: BinaryIO) -> Iterator[tuple[int, ArchiveRecord | ArchiveError]]:
    """Yield ``(line number, record or error)`` for each non-blank line of a JSON Lines stream."""
    for number, line in _lines(stream):
        if line is None:
            yield number, ArchiveError(f"line is over the {MAX_LINE_BYTES:,}-byte limit")
        elif line.strip():
            yield number, _record(number, line)


def parse_record(line: bytes, number: int = 1) -> ArchiveRecord:
    """Parse one archive line into a record.

    Raises
    ------
    ArchiveError
        For a line that is not UTF-8, not JSON, not an object, without a ``text`` string, or
        with a field of the wrong type.
    """
    try:
        decoded = line.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArchiveError(f"not UTF-8 (byte {error.start})") from None
    try:
        value = json.loads(decoded)
    except json.JSONDecodeError as error:
        raise ArchiveError(f"invalid JSON: {error.msg} at column {error.colno}") from None
    if not isinstance(value, dict):
        raise ArchiveError(f"expected a JSON object, got {type(value).__name__}")
    text = value.get("text")
    if not isinstance(text, str):
        problem = "no 'text' field" if text is None else f"'text' is {type(text).__name__}"
        raise ArchiveError(f"{problem}: each line needs the article text as a string")
    fields = {name: _optional_string(value, name) for name in FIELDS if name != "text"}
    return ArchiveRecord(line=number, text=text, **fields)


def _record(number: int, line: bytes) -> ArchiveRecord | ArchiveError:
    """Parse a line, returning the error instead of raising it."""
    try:
        return parse_record(line, number)
    except ArchiveError as error:
        return error


def _optional_string(value: dict[str, object], name: str) -> str | None:
    """A field that may be missing or null, else must be a string."""
    field = value.get(name)
    if field is None or isinstance(field, str):
        return field or None
    raise ArchiveError(f"{name!r} must be a string or null, got {field!r}")


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Yield (number, line) for every line; None stands for a line over the length cap."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(_READ_CHUNK)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the over-long line
            yield number, None
            continue
        yield number, line
