"""The timeline under the map: when each place was in the news, week by week (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

TIMELINE_COLUMNS = ("location_id", "day", "mentions")
WEEK_FIELD = "week"
"""The chart's x field: the Monday starting each week (ISO text)."""
TIMELINE_HEIGHT = 280
"""Pixels for the whole chart: Streamlit fits axes and legend inside, the bars get the rest."""
MAX_WEEKS = 156
"""Most weeks drawn (three years): the latest ones, so a bar stays wide enough to click."""


def weekly(counts: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Sum daily mentions per place into weeks starting on Monday.

    Parameters
    ----------
    counts
        One row per location and day: ``location_id, day`` (``datetime.date``), ``mentions``.
    names
        Location id → the name shown; ids not in it are shown as they are.

    Returns
    -------
    pandas.DataFrame
        ``week`` (ISO date of the Monday), ``place``, ``mentions``; by week, then place. Weeks
        with no mention between the first and the last are there with 0 (a gap in the news
        shows as a gap); only the latest :data:`MAX_WEEKS` weeks are kept.
    """
    missing = [column for column in TIMELINE_COLUMNS if column not in counts.columns]
    if missing:
        raise ValueError(f"daily counts lack the columns {missing!r}")
    if counts.empty:
        return pd.DataFrame({WEEK_FIELD: [], "place": [], "mentions": []})
    monday = counts["day"].map(lambda day: (day - dt.timedelta(days=day.weekday())).isoformat())
    place = counts["location_id"].map(lambda loc: names.get(loc, loc))
    frame = pd.DataFrame({WEEK_FIELD: monday, "place": place, "mentions": counts["mentions"]})
    summed = frame.groupby([WEEK_FIELD, "place"])["mentions"].sum().reset_index()
    weeks = _every_week(min(summed[WEEK_FIELD]), max(summed[WEEK_FIELD]))[-MAX_WEEKS:]
    empty = [w for w in weeks if w not in set(summed[WEEK_FIELD])]
    gaps = pd.DataFrame({WEEK_FIELD: empty, "place": summed["place"].iloc[0], "mentions": 0})
    every = pd.concat([summed[summed[WEEK_FIELD] >= weeks[0]], gaps], ignore_index=True)
    return every.sort_values([WEEK_FIELD, "place"]).reset_index(drop=True)


def _every_week(first: str, last: str) -> list[str]:
    """The Mondays from ``first`` to ``last`` (ISO text), both included."""
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(weeks=i)).isoformat() for i in range((end - start).days // 7 + 1)]


def timeline_chart(weeks: pd.DataFrame) -> alt.LayerChart | alt.Chart:
    """Stacked bars of mentions per week and place; a click picks a week, a drag a span.

    The selections are named ``week`` (a click) and ``span`` (a drag along the time axis), as
    ``st.altair_chart(on_select=…)`` reports them.
    """
    picked = alt.selection_point(name="week", encodings=["x"], on="click")
    span = alt.selection_interval(name="span", encodings=["x"])
    return (
        alt.Chart(weeks, height=TIMELINE_HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X(f"{WEEK_FIELD}:O", title="Week (Monday)", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("sum(mentions):Q", title="Mentions"),
            color=alt.Color("place:N", title="Place"),
            opacity=alt.condition(picked, alt.value(1.0), alt.value(0.45)),
            tooltip=[
                alt.Tooltip(f"{WEEK_FIELD}:O", title="Week of"),
                alt.Tooltip("place:N", title="Place"),
                alt.Tooltip("mentions:Q", title="Mentions"),
            ],
        )
        .add_params(picked, span)
        .properties(usermeta={"embedOptions": {"renderer": "svg"}})
    )


def picked_days(selection: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The days a timeline selection covers: from the Monday of the first week picked to the
    Sunday of the last, a week clicked or weeks dragged across; None when none is picked.

    ``selection`` is ``event.selection`` of ``st.altair_chart``: ``{"week": [{"week":
    "2024-08-19"}]}`` for a click, ``{"span": {"week": ["2024-08-19", "2024-08-26", …]}}``
    for a drag (a week as its Monday in ISO text, or as milliseconds since the epoch).
    """
    span = selection.get("span") or {}
    weeks = list(span.get(WEEK_FIELD) or []) if isinstance(span, Mapping) else []
    if not weeks:
        points = selection.get("week") or []
        weeks = [point.get(WEEK_FIELD) for point in points if isinstance(point, Mapping)]
    days = sorted(_day_of(value) for value in weeks if value is not None)
    if not days:
        return None
    return days[0], days[-1] + dt.timedelta(days=6)


def _day_of(value: Any) -> dt.date:
    """A Vega-Lite time value (milliseconds since the epoch, or ISO text) as a UTC day."""
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC).date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    raise ValueError(f"not a time value of the timeline: {value!r}")
