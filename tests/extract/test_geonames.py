"""Context places from GeoNames data, with guards against common words."""

from pathlib import Path

import pytest

from geo.extract.geonames import find_context_places

SHARED = Path(__file__).resolve().parents[3] / "shared"
SAMPLE = SHARED / "samples" / "anadolu-2024-08-23-gaza-talks.txt"


def names(text: str, **kwargs: object) -> list[str]:
    return [p.name for p in find_context_places(text, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Talks resumed in Cairo and Doha, Qatar.", ["Cairo", "Doha", "Qatar"]),
        ("وصل الوفد إلى القاهرة والدوحة", ["Cairo", "Doha"]),
        ("ביקור בקהיר", ["Cairo"]),
        ("Nice weather; a Split decision; Reading is fun.", []),
        ("cairo in lower case", []),
        ("the Gaza Strip", []),
        ("Cairo University", []),
    ],
)
def test_places(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_offsets_and_coordinates() -> None:
    text = "Delegates met in Cairo."
    (place,) = find_context_places(text)
    assert text[place.start : place.end] == place.surface == "Cairo"
    assert place.country_code == "EG" and 29 < place.lat < 31 and 31 < place.lon < 32


def test_excluded_spans() -> None:
    text = "Egypt and Israel"
    assert names(text, exclude=[(0, 5)]) == ["Israel"]


def test_bad_population() -> None:
    with pytest.raises(ValueError, match="min_population"):
        find_context_places("Cairo", min_population=-1)


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared sample absent")
def test_sample_places() -> None:
    found = set(names(SAMPLE.read_text(encoding="utf-8")))
    assert {"Cairo", "Doha", "Qatar", "Egypt", "Israel"} <= found
