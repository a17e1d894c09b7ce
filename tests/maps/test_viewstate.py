"""The view in the URL: lenient parsing with notices, canonical writing, and the round trip."""

from __future__ import annotations

import datetime as dt
import unicodedata
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.maps.viewstate import (
    MAX_LIST_ITEMS,
    MAX_NOTICES,
    MAX_VALUE_CHARS,
    ViewState,
    parse_query,
    share_url,
    to_query,
)

LOCATIONS = (
    "philadelphi-corridor",
    "rafah-crossing",
    "netzarim-junction",
    "netzarim-corridor",
    "kerem-shalom-crossing",
)
ARTICLE = "0123456789abcdef"


def parse(params: dict, **known: object) -> tuple[ViewState, list[str]]:
    return parse_query(params, known_locations=LOCATIONS, **known)  # type: ignore[arg-type]


def test_no_parameters_is_the_default_view():
    assert parse({}) == (ViewState(), [])


def test_every_parameter_is_read():
    params = {
        "since": "2024-08-01",
        "until": "2024-09-06",
        "as_of": "2024-08-15",
        "locations": "philadelphi-corridor,rafah-crossing",
        "sources": "Anadolu Agency,Reuters",
        "basemap": "osm",
        "selected": "rafah-crossing",
        "center": "31.25,34.26",
        "zoom": "12",
        "article": ARTICLE,
    }
    assert parse(params) == (
        ViewState(
            since=dt.date(2024, 8, 1),
            until=dt.date(2024, 9, 6),
            as_of=dt.date(2024, 8, 15),
            locations=("philadelphi-corridor", "rafah-crossing"),
            sources=("Anadolu Agency", "Reuters"),
            basemap="osm",
            selected="rafah-crossing",
            center=(31.25, 34.26),
            zoom=12,
            article=ARTICLE,
        ),
        [],
    )


@pytest.mark.parametrize(
    ("name", "value", "notice"),
    [
        ("since", "2024-13-01", "Ignored since='2024-13-01': not a date written YYYY-MM-DD"),
        ("until", "20240823", "Ignored until='20240823': not a date written YYYY-MM-DD"),
        ("until", "2024-W34-5", "Ignored until='2024-W34-5': not a date written YYYY-MM-DD"),
        ("since", "٢٠٢٤-٠٨-٢٣", "not a date written YYYY-MM-DD"),
        ("basemap", "satellite", "Ignored basemap='satellite': not one of 'offline', 'osm'"),
        ("selected", "gaza-port", "Ignored selected='gaza-port': not a known location id"),
        ("center", "abc", "Ignored center='abc': not two numbers written lat,lon"),
        ("center", "nan,inf", "not two numbers written lat,lon"),
        ("center", "1e1,2", "not two numbers written lat,lon"),
        ("center", "31.5", "not two numbers written lat,lon"),
        ("center", "95,34", "latitude must be from -90 to 90 and longitude from -180 to 180"),
        ("center", "120,45", "(lat,lon swapped?)"),
        ("center", "34.4,31.5", "looks like lon,lat; for the Gaza region write center=31.5,34.4"),
        ("zoom", "abc", "Ignored zoom='abc': not a whole number from 1 to 19"),
        ("zoom", "0", "Ignored zoom='0': not a whole number from 1 to 19"),
        ("zoom", "20", "Ignored zoom='20': not a whole number from 1 to 19"),
        ("zoom", "1.5", "not a whole number from 1 to 19"),
        ("zoom", "+3", "not a whole number from 1 to 19"),
        ("zoom", "٣", "not a whole number from 1 to 19"),
        ("article", "0123", "Ignored article='0123': not an article id"),
        ("article", ARTICLE.upper(), "not an article id"),
        ("foo", "1", "Ignored unknown parameter 'foo'"),
    ],
)
def test_a_bad_parameter_is_ignored_with_a_notice(name: str, value: str, notice: str):
    valid = {"zoom": "5"} if name != "zoom" else {"basemap": "osm"}
    state, notices = parse({name: value, **valid})
    assert len(notices) == 1, notices
    assert notice in notices[0]
    assert getattr(state, name, None) == getattr(ViewState(), name, None)
    assert state == parse(valid)[0]  # the valid parameter beside it is kept


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("zoom", "1", 1),
        ("zoom", "19", 19),
        ("zoom", "07", 7),
        ("center", " -31.5 , 34.4 ", (-31.5, 34.4)),
        ("center", "90,-180", (90.0, -180.0)),
        ("center", "31.123456789,34.4", (31.12346, 34.4)),
        ("basemap", "offline", "offline"),
        ("since", "2024-02-29", dt.date(2024, 2, 29)),
    ],
)
def test_valid_edge_values_are_read(name: str, value: str, expected: object):
    state, notices = parse({name: value})
    assert notices == []
    assert getattr(state, name) == expected


def test_unknown_locations_are_dropped_by_name_and_the_rest_kept():
    state, notices = parse({"locations": "rafah-crossing,gaza-port,,atlantis,rafah-crossing"})
    assert state.locations == ("rafah-crossing",)
    assert notices == ["Ignored unknown location 'gaza-port', 'atlantis' in locations"]


def test_sources_are_checked_against_the_store_when_it_is_given():
    state, notices = parse({"sources": "Reuters,Fake Wire"}, known_sources={"Reuters", "AP"})
    assert state.sources == ("Reuters",)
    assert notices == ["Ignored unknown source 'Fake Wire' in sources"]


def test_since_after_until_drops_both():
    state, notices = parse({"since": "2024-09-01", "until": "2024-08-01", "zoom": "9"})
    assert (state.since, state.until, state.zoom) == (None, None, 9)
    assert notices == ["Ignored since='2024-09-01' and until='2024-08-01': since is after until"]


def test_values_longer_than_the_cap_are_ignored():
    state, notices = parse({"selected": "x" * (MAX_VALUE_CHARS + 1)})
    assert state == ViewState()
    assert notices[0].endswith(f"longer than {MAX_VALUE_CHARS} characters")
    assert len(notices[0]) < 120  # the value is shortened in the notice


def test_list_items_beyond_the_cap_are_ignored():
    sources = [f"Wire {n}" for n in range(MAX_LIST_ITEMS + 3)]
    state, notices = parse({"sources": ",".join(sources)})
    assert state.sources == tuple(sources[:MAX_LIST_ITEMS])
    assert notices == [f"Ignored 3 sources after the first {MAX_LIST_ITEMS}"]


def test_malformed_source_names_are_ignored():
    state, notices = parse({"sources": "AP,Bad\x00Wire," + "y" * (MAX_VALUE_CHARS + 1)})
    assert state.sources == ("AP",)
    assert len(notices) == 1 and "has control characters" in notices[0]


def test_repeated_parameters_join_lists_and_take_the_last_scalar():
    state, notices = parse(
        {"locations": ["rafah-crossing", "netzarim-junction"], "zoom": ["3", "11"]}
    )
    assert state.locations == ("rafah-crossing", "netzarim-junction")
    assert state.zoom == 11
    assert notices == ["Ignored 1 earlier value(s) of zoom: used the last"]


def test_empty_values_and_streamlit_parameters_pass_silently():
    assert parse({"zoom": "", "locations": ",", "embed": "true", "article": []}) == (
        ViewState(),
        [],
    )


def test_values_that_are_not_text_get_a_notice():
    state, notices = parse({"zoom": 5, "since": ["2024-01-01", None]})
    assert state == ViewState()
    assert notices == [
        "Ignored zoom: its value is not text",
        "Ignored since: its value is not text",
    ]


def test_notices_are_capped():
    _, notices = parse({f"p{n}": "1" for n in range(100)})
    assert len(notices) == MAX_NOTICES
    assert notices[-1] == f"… and {100 - MAX_NOTICES + 1} more ignored parameters or items"


def test_to_query_writes_only_what_differs_from_the_default():
    assert to_query(ViewState()) == {}
    assert to_query(
        ViewState(
            since=dt.date(2024, 8, 23),
            locations=("rafah-crossing", "philadelphi-corridor"),
            sources=("Reuters, London", "100% Wire"),
            center=(31.2485812, 34.25923),
            zoom=13,
        )
    ) == {
        "since": "2024-08-23",
        "locations": "rafah-crossing,philadelphi-corridor",
        "sources": "Reuters%2C London,100%25 Wire",
        "center": "31.24858,34.25923",
        "zoom": "13",
    }


def test_share_url_replaces_the_view_and_keeps_other_parameters():
    state = ViewState(locations=("rafah-crossing",), zoom=10, sources=("A, B",))
    url = share_url("https://map.example.org/desk/?zoom=3&embed=true#top", state)
    assert url == (
        "https://map.example.org/desk/?embed=true&locations=rafah-crossing"
        "&sources=A%252C%20B&zoom=10#top"
    )
    assert share_url("http://127.0.0.1:8501", ViewState()) == "http://127.0.0.1:8501/"


@pytest.mark.parametrize("base", ["", "map.example.org", "ftp://map.example.org/", "/desk"])
def test_share_url_refuses_a_base_that_is_not_an_http_url(base: str):
    with pytest.raises(ValueError, match="absolute http"):
        share_url(base, ViewState())


# --- properties -------------------------------------------------------------------------

texts = st.text(max_size=60) | st.sampled_from(["2024-08-23", "31.5,34.4", "12", ARTICLE, "osm"])
names = st.sampled_from(
    ["since", "until", "locations", "sources", "basemap", "selected", "center", "zoom", "article"]
) | st.text(max_size=12)


@given(st.dictionaries(names, texts | st.lists(texts, max_size=3), max_size=12))
def test_parse_never_raises_and_returns_a_valid_view(params: dict):
    state, notices = parse(params)
    assert set(state.locations) <= set(LOCATIONS)
    assert state.selected is None or state.selected in LOCATIONS
    assert state.zoom is None or 1 <= state.zoom <= 19
    assert state.basemap in ("offline", "osm")
    assert state.since is None or state.until is None or state.since <= state.until
    assert len(notices) <= MAX_NOTICES
    assert all(isinstance(notice, str) and notice for notice in notices)


def _printable(text: str) -> bool:
    return (
        bool(text)
        and text == text.strip()
        and not any(unicodedata.category(char) in ("Cc", "Cs") for char in text)
    )


source_names = st.text(min_size=1, max_size=MAX_VALUE_CHARS).filter(_printable)
dates = st.dates(min_value=dt.date(1, 1, 1))


def _coordinate(limit: float) -> st.SearchStrategy[float]:
    return st.floats(-limit, limit).map(lambda x: float(f"{x:.5f}"))


def _not_swapped(center: tuple[float, float]) -> bool:
    lat, lon = center
    looks_swapped = 29.5 <= lon <= 33.5 and 32.5 <= lat <= 36.0
    in_region = 29.5 <= lat <= 33.5 and 32.5 <= lon <= 36.0
    return in_region or not looks_swapped


@st.composite
def views(draw: st.DrawFn) -> ViewState:
    since, until = sorted([draw(dates), draw(dates)])
    return ViewState(
        since=draw(st.none() | st.just(since)),
        until=draw(st.none() | st.just(until)),
        locations=tuple(draw(st.lists(st.sampled_from(LOCATIONS), unique=True))),
        sources=tuple(draw(st.lists(source_names, unique=True, max_size=MAX_LIST_ITEMS))),
        basemap=draw(st.sampled_from(["offline", "osm"])),
        selected=draw(st.none() | st.sampled_from(LOCATIONS)),
        center=draw(st.none() | st.tuples(_coordinate(90), _coordinate(180)).filter(_not_swapped)),
        zoom=draw(st.none() | st.integers(1, 19)),
        article=draw(st.none() | st.from_regex(r"[0-9a-f]{16}", fullmatch=True)),
    )


@given(views())
def test_to_query_then_parse_gives_the_view_back(state: ViewState):
    assert parse(to_query(state)) == (state, [])


@given(views())
def test_a_shared_url_opens_the_same_view(state: ViewState):
    query = parse_qs(urlsplit(share_url("https://map.example.org/", state)).query)
    assert parse(query) == (state, [])


def test_speakers_round_trip_and_unknown_ones_are_noticed() -> None:
    from geo.maps.viewstate import ViewState, parse_query, to_query

    state = ViewState(speakers=("Hamas", "Netanyahu's office, Israel"))
    parsed, notices = parse_query(
        to_query(state), known_locations=[], known_speakers=["Hamas", "Netanyahu's office, Israel"]
    )
    assert (parsed.speakers, notices) == (state.speakers, [])
    parsed, notices = parse_query(
        {"speakers": "Hamas,Nobody"}, known_locations=[], known_speakers=["Hamas"]
    )
    assert parsed.speakers == ("Hamas",) and "Nobody" in notices[0]


@pytest.mark.parametrize("value", ["2024-02-30", "yesterday", "2024-8-1x"])
def test_a_bad_as_of_day_is_ignored_with_a_notice(value: str):
    state, notices = parse({"as_of": value})
    assert state.as_of is None
    assert len(notices) == 1 and "as_of" in notices[0]


def test_as_of_round_trips_through_the_url():
    state = ViewState(as_of=dt.date(2024, 3, 1))
    assert to_query(state) == {"as_of": "2024-03-01"}
    assert parse(to_query(state)) == (state, [])
