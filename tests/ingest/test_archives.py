"""JSON Lines archives: records, bad lines by number, blank lines, over-long lines."""

from __future__ import annotations

import io
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.ingest import archives
from geo.ingest.archives import (
    ArchiveError,
    ArchiveRecord,
    count_records,
    parse_record,
    read_records,
)

GOOD = {
    "title": "Crossing reopens",
    "text": "The Rafah crossing reopened on Friday.",
    "url": "https://wire.example/crossing",
    "source": "Example Wire",
    "published": "2024-08-23",
}


def test_a_full_record() -> None:
    record = parse_record(json.dumps(GOOD).encode(), 7)
    assert record == ArchiveRecord(line=7, **GOOD)


def test_only_text_is_required_and_nulls_are_missing() -> None:
    line = json.dumps({"text": "Kerem Shalom.", "title": None, "extra": [1, 2]}).encode()
    assert parse_record(line) == ArchiveRecord(line=1, text="Kerem Shalom.")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"{not json", "invalid JSON: Expecting property name enclosed in double quotes"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b'"text"', "expected a JSON object, got str"),
        (b'{"title": "No text"}', "no 'text' field"),
        (b'{"text": 42}', "'text' is int"),
        (b'{"text": "ok", "published": 20240823}', "'published' must be a string or null"),
        (b'{"text": "ok", "url": ["a"]}', "'url' must be a string or null"),
        (b'{"text": "caf\xe9"}', "not UTF-8 (byte 13)"),
    ],
)
def test_bad_lines_say_why(line: bytes, problem: str) -> None:
    with pytest.raises(ArchiveError, match=re.escape(problem)):
        parse_record(line)


def test_stream_numbers_lines_and_goes_on_past_bad_ones() -> None:
    data = b"\n".join(
        [json.dumps(GOOD).encode(), b"", b"{oops", b"   ", json.dumps({"text": "Two"}).encode()]
    )
    results = list(read_records(io.BytesIO(data)))
    assert [number for number, _ in results] == [1, 3, 5]
    assert isinstance(results[0][1], ArchiveRecord)
    assert isinstance(results[1][1], ArchiveError)
    assert results[2][1] == ArchiveRecord(line=5, text="Two")
    assert count_records(io.BytesIO(data)) == 3


def test_over_long_line_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "MAX_LINE_BYTES", 50)
    monkeypatch.setattr(archives, "_READ_CHUNK", 16)
    long_line = json.dumps({"text": "x" * 200}).encode()
    data = long_line + b"\n" + json.dumps({"text": "Short."}).encode() + b"\n"
    results = list(read_records(io.BytesIO(data)))
    assert [number for number, _ in results] == [1, 2]
    assert "over the 50-byte limit" in str(results[0][1])
    assert results[1][1] == ArchiveRecord(line=2, text="Short.")
    assert count_records(io.BytesIO(data)) == 2


@settings(deadline=None)  # timing is for the benchmarks; a loaded machine must not fail it
@given(st.lists(st.text(max_size=40), max_size=20))
def test_every_text_round_trips_with_its_line_number(texts: list[str]) -> None:
    data = "".join(json.dumps({"text": text}) + "\n" for text in texts).encode()
    results = list(read_records(io.BytesIO(data)))
    assert results == [
        (number, ArchiveRecord(line=number, text=text))
        for number, text in enumerate(texts, start=1)
    ]
