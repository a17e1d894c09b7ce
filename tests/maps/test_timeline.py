"""The timeline under the map: weekly sums, the chart's selections, and what a pick means."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.maps.timeline import picked_days, timeline_chart, weekly

MS_PER_DAY = 86_400_000


def _ms(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * MS_PER_DAY


def counts(*rows: tuple[str, dt.date, int]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["location_id", "day", "mentions"])


def test_days_are_summed_into_weeks_starting_monday_and_named():
    days = counts(
        ("rafah", dt.date(2024, 8, 23), 3),  # a Friday
        ("rafah", dt.date(2024, 8, 19), 1),  # the Monday of that week
        ("rafah", dt.date(2024, 8, 26), 2),  # the next Monday
        ("other", dt.date(2024, 8, 25), 5),  # a Sunday: still the week of the 19th
    )
    weeks = weekly(days, {"rafah": "Rafah crossing"})
    assert weeks.to_dict("records") == [
        {"week": "2024-08-19", "place": "Rafah crossing", "mentions": 4},
        {"week": "2024-08-19", "place": "other", "mentions": 5},
        {"week": "2024-08-26", "place": "Rafah crossing", "mentions": 2},
    ]


def test_no_counts_make_an_empty_timeline():
    assert weekly(counts(), {}).empty


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"lack the columns \['mentions'\]"):
        weekly(pd.DataFrame({"location_id": [], "day": []}), {})


def test_the_chart_stacks_places_and_offers_a_click_and_a_drag():
    spec = timeline_chart(weekly(counts(("a", dt.date(2024, 8, 23), 1)), {})).to_dict()
    assert spec["mark"] == {"type": "bar"}
    assert spec["encoding"]["x"]["field"] == "week" and spec["encoding"]["x"]["type"] == "ordinal"
    assert spec["encoding"]["color"]["field"] == "place"
    assert {p["name"]: p["select"]["type"] for p in spec["params"]} == {
        "week": "point",
        "span": "interval",
    }


@pytest.mark.parametrize("week", ["2024-08-19", _ms(dt.date(2024, 8, 19))])
def test_a_clicked_week_covers_monday_to_sunday(week):
    picked = {"week": [{"week": week}]}
    assert picked_days(picked) == (dt.date(2024, 8, 19), dt.date(2024, 8, 25))


def test_weeks_dragged_across_cover_monday_of_the_first_to_sunday_of_the_last():
    span = {"span": {"week": ["2024-09-02", "2024-08-19", "2024-08-26"]}}
    assert picked_days(span) == (dt.date(2024, 8, 19), dt.date(2024, 9, 8))


def test_weeks_without_mentions_are_drawn_empty_between_the_first_and_the_last():
    weeks = weekly(counts(("a", dt.date(2024, 8, 20), 2), ("a", dt.date(2024, 9, 4), 1)), {})
    assert weeks["week"].tolist() == ["2024-08-19", "2024-08-26", "2024-09-02"]
    assert weeks["mentions"].tolist() == [2, 0, 1]


def test_only_the_latest_weeks_are_kept():
    from geo.maps.timeline import MAX_WEEKS

    first, last = dt.date(2020, 1, 6), dt.date(2024, 8, 19)
    weeks = weekly(counts(("a", first, 1), ("a", last, 1)), {})
    assert len(weeks) == MAX_WEEKS
    assert weeks["week"].iloc[-1] == "2024-08-19" and weeks["mentions"].sum() == 1


@pytest.mark.parametrize("selection", [{}, {"week": []}, {"span": {}}, {"week": [{}]}])
def test_nothing_selected_picks_nothing(selection):
    assert picked_days(selection) is None


def test_a_value_that_is_no_time_is_refused_by_name():
    with pytest.raises(ValueError, match=r"not a time value of the timeline: \[1\]"):
        picked_days({"week": [{"week": [1]}]})


@given(st.dates(min_value=dt.date(1971, 1, 1), max_value=dt.date(2100, 1, 1)))
def test_any_clicked_week_starts_on_its_monday_and_lasts_seven_days(day: dt.date):
    monday = day - dt.timedelta(days=day.weekday())
    start, end = picked_days({"week": [{"week": _ms(monday)}]}) or (None, None)
    assert start == monday and end == monday + dt.timedelta(days=6)
