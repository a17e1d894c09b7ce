"""The map's view as URL query parameters: read them leniently, write them canonically.

A link pasted into the desk's chat must open the view its sender saw, and a mangled link must
never become an error page: :func:`parse_query` keeps every valid parameter and returns one
plain-text notice per part it ignored. :func:`to_query` writes only what differs from the
default view, so ``parse_query(to_query(state))`` gives ``state`` back.

Lists are comma-separated; inside an item ``%`` is written ``%25`` and ``,`` is written ``%2C``
(before the URL's own encoding), so a source name may contain a comma.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

BASEMAPS = ("offline", "osm")
ZOOM_MIN, ZOOM_MAX = 1, 19
CENTER_DECIMALS = 5
MAX_VALUE_CHARS = 200  # a scalar value, and each item of a list
MAX_LIST_ITEMS = 50
MAX_LIST_CHARS = MAX_LIST_ITEMS * (3 * MAX_VALUE_CHARS + 1)  # every character escaped, plus commas
MAX_NOTICES = 20
# Streamlit's own parameters: not part of the view, not worth a notice.
STREAMLIT_PARAMETERS = frozenset({"embed", "embed_options"})
# (lat min, lat max, lon min, lon max): the Gaza Strip with its neighbourhood, for the swap hint.
GAZA_REGION = (29.5, 33.5, 32.5, 36.0)

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = r"[+-]?[0-9]{1,3}(?:\.[0-9]{1,15})?"
_CENTER = re.compile(rf"\s*({_NUMBER})\s*,\s*({_NUMBER})\s*")
_ZOOM = re.compile(r"[0-9]{1,2}")
_ARTICLE_ID = re.compile(r"[0-9a-f]{16}")
_ITEM_ESCAPE = re.compile(r"%(?:25|2C)", re.IGNORECASE)
_SHOWN_CHARS = 40
_SHOWN_ITEMS = 5


@dataclass(frozen=True)
class ViewState:
    """What the map shows: filters, basemap, selection, centre and zoom; defaults show it all."""

    since: dt.date | None = None
    until: dt.date | None = None
    as_of: dt.date | None = None
    """Day each place is drawn as it stood, and the last day of mentions counted; None: until."""
    locations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    basemap: str = "offline"
    selected: str | None = None
    center: tuple[float, float] | None = None
    zoom: int | None = None
    article: str | None = None


PARAMETERS = tuple(field.name for field in fields(ViewState))
_LISTS = ("locations", "sources", "speakers")
_DEFAULT = ViewState()


class _Invalid(ValueError):
    """A parameter value that cannot be used; the message says why."""


# A parser turns one raw value into the field's value and notices about items it dropped.
_Parser = Callable[[str], tuple[Any, list[str]]]


def parse_query(
    params: Mapping[str, str | list[str]],
    *,
    known_locations: Collection[str],
    known_sources: Collection[str] | None = None,
    known_speakers: Collection[str] | None = None,
) -> tuple[ViewState, list[str]]:
    """Read a view from URL query parameters, ignoring (with a notice) what is not valid.

    Never raises on any mapping of text to text or lists of text.

    Parameters
    ----------
    params
        Query parameters, e.g. ``st.query_params`` (one value each) or ``parse_qs`` output.
    known_locations
        Location ids the map has; others in ``locations`` or ``selected`` are ignored.
    known_sources
        Source names the store has, or None to accept any well-formed name.
    known_speakers
        Speakers the store has quoted, or None to accept any well-formed name.

    Returns
    -------
    The view, and one human-readable notice per ignored parameter or list item.
    """
    parsers = _parsers(
        frozenset(known_locations),
        None if known_sources is None else frozenset(known_sources),
        None if known_speakers is None else frozenset(known_speakers),
    )
    found: dict[str, Any] = {}
    notices: list[str] = []
    for name, raw in params.items():
        if not isinstance(name, str) or name not in parsers:
            if name not in STREAMLIT_PARAMETERS:
                notices.append(f"Ignored unknown parameter {_shown(str(name))!r}")
            continue
        text = _one_value(name, raw, notices)
        if text:
            _parse_into(found, notices, name, text, parsers[name])
    state = _check_date_order(ViewState(**found), notices)
    return state, _capped(notices)


def to_query(state: ViewState) -> dict[str, str]:
    """Write the fields that differ from the default view as query parameters."""
    query: dict[str, str] = {}
    if state.since is not None:
        query["since"] = state.since.isoformat()
    if state.until is not None:
        query["until"] = state.until.isoformat()
    if state.as_of is not None:
        query["as_of"] = state.as_of.isoformat()
    if state.locations:
        query["locations"] = _join_items(state.locations)
    if state.sources:
        query["sources"] = _join_items(state.sources)
    if state.speakers:
        query["speakers"] = _join_items(state.speakers)
    if state.basemap != _DEFAULT.basemap:
        query["basemap"] = state.basemap
    if state.selected is not None:
        query["selected"] = state.selected
    if state.center is not None:
        lat, lon = state.center
        query["center"] = f"{lat:.{CENTER_DECIMALS}f},{lon:.{CENTER_DECIMALS}f}"
    if state.zoom is not None:
        query["zoom"] = str(state.zoom)
    if state.article is not None:
        query["article"] = state.article
    return query


def share_url(base_url: str, state: ViewState) -> str:
    """Return ``base_url`` with the view's query parameters (others in it are kept).

    Raises
    ------
    ValueError
        When ``base_url`` is not an absolute http(s) URL.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"share_url needs an absolute http(s) URL, got {base_url!r}")
    kept = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name not in PARAMETERS
    ]
    query = urlencode([*kept, *to_query(state).items()], quote_via=quote, safe=",")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))


def _parsers(
    locations: frozenset[str], sources: frozenset[str] | None, speakers: frozenset[str] | None
) -> dict[str, _Parser]:
    def scalar(parse: Callable[[str], Any]) -> _Parser:
        return lambda text: (parse(text), [])

    return {
        "since": scalar(_parse_date),
        "until": scalar(_parse_date),
        "as_of": scalar(_parse_date),
        "locations": lambda text: _parse_list("locations", "location", text, locations),
        "sources": lambda text: _parse_list("sources", "source", text, sources),
        "speakers": lambda text: _parse_list("speakers", "speaker", text, speakers),
        "basemap": scalar(_parse_basemap),
        "selected": scalar(lambda text: _parse_known_location(text, locations)),
        "center": scalar(_parse_center),
        "zoom": scalar(_parse_zoom),
        "article": scalar(_parse_article),
    }


def _one_value(name: str, raw: object, notices: list[str]) -> str | None:
    """The text to parse: list parameters join repeated values, others take the last one."""
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list | tuple) else None
    if values is None or not all(isinstance(value, str) for value in values):
        notices.append(f"Ignored {name}: its value is not text")
        return None
    if name in _LISTS:
        return ",".join(value for value in values if value)
    if len(values) > 1:
        notices.append(f"Ignored {len(values) - 1} earlier value(s) of {name}: used the last")
    return values[-1] if values else None


def _parse_into(
    found: dict[str, Any], notices: list[str], name: str, text: str, parser: _Parser
) -> None:
    cap = MAX_LIST_CHARS if name in _LISTS else MAX_VALUE_CHARS
    if len(text) > cap:
        notices.append(f"Ignored {name}={_shown(text)!r}: longer than {cap} characters")
        return
    try:
        value, dropped = parser(text)
    except _Invalid as reason:
        notices.append(f"Ignored {name}={_shown(text)!r}: {reason}")
        return
    notices.extend(dropped)
    found[name] = value


def _parse_date(text: str) -> dt.date:
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Invalid("not a date written YYYY-MM-DD") from None


def _parse_basemap(text: str) -> str:
    if text not in BASEMAPS:
        raise _Invalid(f"not one of {', '.join(map(repr, BASEMAPS))}")
    return text


def _parse_known_location(text: str, known: frozenset[str]) -> str:
    if text not in known:
        raise _Invalid("not a known location id")
    return text


def _parse_center(text: str) -> tuple[float, float]:
    match = _CENTER.fullmatch(text)
    if match is None:
        raise _Invalid("not two numbers written lat,lon")
    lat, lon = (round(float(number), CENTER_DECIMALS) for number in match.groups())
    if _in_gaza_region(lon, lat) and not _in_gaza_region(lat, lon):
        raise _Invalid(f"looks like lon,lat; for the Gaza region write center={lon:g},{lat:g}")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        hint = " (lat,lon swapped?)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        raise _Invalid(f"latitude must be from -90 to 90 and longitude from -180 to 180{hint}")
    return (lat, lon)


def _in_gaza_region(lat: float, lon: float) -> bool:
    lat_min, lat_max, lon_min, lon_max = GAZA_REGION
    return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max


def _parse_zoom(text: str) -> int:
    if not _ZOOM.fullmatch(text) or not ZOOM_MIN <= int(text) <= ZOOM_MAX:
        raise _Invalid(f"not a whole number from {ZOOM_MIN} to {ZOOM_MAX}")
    return int(text)


def _parse_article(text: str) -> str:
    if not _ARTICLE_ID.fullmatch(text):
        raise _Invalid("not an article id (16 characters from 0-9 and a-f)")
    return text


def _parse_list(
    name: str, noun: str, text: str, known: frozenset[str] | None
) -> tuple[tuple[str, ...], list[str]]:
    """Split, unescape and check list items; drop bad ones with a notice naming them."""
    items = list(dict.fromkeys(_split_items(text)))
    notices = []
    if len(items) > MAX_LIST_ITEMS:
        notices.append(
            f"Ignored {len(items) - MAX_LIST_ITEMS} {name} after the first {MAX_LIST_ITEMS}"
        )
        items = items[:MAX_LIST_ITEMS]
    malformed = [item for item in items if not _well_formed(item)]
    if malformed:
        notices.append(
            f"Ignored {noun} {_listed(malformed)} in {name}: longer than {MAX_VALUE_CHARS} "
            "characters or has control characters"
        )
    unknown = [item for item in items if known is not None and item not in known]
    unknown = [item for item in unknown if item not in malformed]
    if unknown:
        notices.append(f"Ignored unknown {noun} {_listed(unknown)} in {name}")
    dropped = {*malformed, *unknown}
    return tuple(item for item in items if item not in dropped), notices


def _split_items(text: str) -> Iterable[str]:
    for part in text.split(","):
        item = _ITEM_ESCAPE.sub(lambda m: "%" if m.group() == "%25" else ",", part).strip()
        if item:
            yield item


def _join_items(items: Iterable[str]) -> str:
    return ",".join(item.replace("%", "%25").replace(",", "%2C") for item in items)


def _well_formed(item: str) -> bool:
    return len(item) <= MAX_VALUE_CHARS and not any(
        unicodedata.category(char) in ("Cc", "Cs") for char in item
    )


def _check_date_order(state: ViewState, notices: list[str]) -> ViewState:
    if state.since is None or state.until is None or state.since <= state.until:
        return state
    notices.append(
        f"Ignored since={state.since.isoformat()!r} and until={state.until.isoformat()!r}: "
        "since is after until"
    )
    return replace(state, since=None, until=None)


def _capped(notices: list[str]) -> list[str]:
    if len(notices) <= MAX_NOTICES:
        return notices
    hidden = len(notices) - (MAX_NOTICES - 1)
    return [*notices[: MAX_NOTICES - 1], f"… and {hidden} more ignored parameters or items"]


def _listed(items: list[str]) -> str:
    shown = ", ".join(repr(_shown(item)) for item in items[:_SHOWN_ITEMS])
    more = len(items) - _SHOWN_ITEMS
    return f"{shown} and {more} more" if more > 0 else shown


def _shown(text: str) -> str:
    """Shorten ``text`` for a notice."""
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
