"""Joining mentions to layers: counts, dates, quotes and the geometry version drawn."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.maps.join import join_mentions, quote_records, select_versions


@pytest.fixture
def features() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "location_id": ["corridor", "corridor", "gate"],
            "name": ["The Corridor", "The Corridor", "The Gate"],
            "kind": ["corridor", "corridor", "crossing"],
            "valid_from": [None, dt.date(2024, 7, 1), None],
            "valid_to": [dt.date(2024, 7, 1), dt.date(2025, 2, 9), None],
        },
        geometry=[box(0, 0, 1, 0.1), box(0, 0, 1, 0.2), Point(0.5, 0.05)],
        crs="EPSG:4326",
    )


def mention(article: str, location: str, published: str | None, **extra: object) -> dict:
    row = {
        "article_id": article,
        "location_id": location,
        "surface": "the corridor",
        "kind": "explicit",
        "sentence": f"Sentence about the corridor in {article}.",
        "speaker": None,
        "title": f"Title {article}",
        "source": "Wire",
        "published": dt.date.fromisoformat(published) if published else None,
    }
    row.update(extra)
    return row


@pytest.fixture
def mentions() -> pd.DataFrame:
    return pd.DataFrame(
        [
            mention("a1", "corridor", "2024-08-01"),
            mention("a1", "corridor", "2024-08-01", kind="anaphoric"),
            mention("a2", "corridor", "2024-09-10", speaker="Hamas", source="Agency"),
            mention("a2", "gate", "2024-09-10"),
            mention("a3", "elsewhere", "2024-09-11"),
        ]
    )


def test_counts_dates_and_sources_per_location(features, mentions):
    located = join_mentions(mentions, features, as_of=dt.date(2024, 9, 1))
    corridor = located.set_index("location_id").loc["corridor"]
    assert (corridor["count"], corridor["explicit"], corridor["anaphoric"]) == (3, 2, 1)
    assert corridor["articles"] == 2
    assert (corridor["first_mention"], corridor["last_mention"]) == ("2024-08-01", "2024-09-10")
    assert corridor["sources"] == ["Agency", "Wire"]
    assert corridor["speakers"] == ["Hamas"]


def test_quotes_are_one_per_sentence_newest_first(features, mentions):
    located = join_mentions(mentions, features, as_of=dt.date(2024, 9, 1))
    quotes = located.set_index("location_id").loc["corridor", "quotes"]
    assert [q["article_id"] for q in quotes] == ["a2", "a1"]
    assert quotes[0]["speaker"] == "Hamas"
    assert quotes[1]["surfaces"] == ["the corridor"]


def test_unknown_locations_are_left_out_and_unmentioned_ones_kept(features, mentions):
    located = join_mentions(mentions[mentions["location_id"] == "corridor"], features)
    assert set(located["location_id"]) == {"corridor", "gate"}
    gate = located.set_index("location_id").loc["gate"]
    assert gate["count"] == 0 and gate["quotes"] == [] and gate["first_mention"] is None


def test_sorted_by_count_and_keeps_crs(features, mentions):
    located = join_mentions(mentions, features)
    assert list(located["location_id"]) == ["corridor", "gate"]
    assert located.crs == "EPSG:4326"


@pytest.mark.parametrize(
    ("day", "width", "historic"),
    [
        (dt.date(2024, 1, 1), 0.1, False),
        (dt.date(2024, 7, 1), 0.2, False),
        (dt.date(2025, 2, 8), 0.2, False),
        (dt.date(2025, 6, 1), 0.2, True),
    ],
)
def test_version_valid_on_the_day_is_drawn(features, day, width, historic):
    versions = select_versions(features, day).set_index("location_id")
    _, miny, _, maxy = versions.loc["corridor", "geometry"].bounds
    assert maxy - miny == pytest.approx(width)
    assert bool(versions.loc["corridor", "historic"]) is historic


def test_empty_mentions_give_every_location_with_zero(features):
    empty = pd.DataFrame(columns=list(mention("x", "y", None)))
    located = join_mentions(empty, features)
    assert located["count"].tolist() == [0, 0]


def test_missing_column_is_named(features, mentions):
    with pytest.raises(ValueError, match="'speaker'"):
        join_mentions(mentions.drop(columns="speaker"), features)


@pytest.mark.parametrize("crs", [None, "EPSG:32636"])
def test_crs_other_than_wgs84_is_refused(features, mentions, crs):
    other = features.set_crs(None, allow_override=True) if crs is None else features.to_crs(crs)
    with pytest.raises(ValueError, match="EPSG:4326"):
        join_mentions(mentions, other)


def test_quote_records_merges_surfaces_of_one_sentence(mentions):
    two = pd.DataFrame(
        [
            mention("a1", "corridor", "2024-08-01", surface="Philadelphi Corridor"),
            mention("a1", "corridor", "2024-08-01", surface="the corridor"),
        ]
    )
    (quote,) = quote_records(two)
    assert quote["surfaces"] == ["Philadelphi Corridor", "the corridor"]


def test_one_sentence_with_two_speakers_gives_two_quotes():
    sentence = "Egypt wants the Corridor back, but the office said it will keep the corridor."
    rows = pd.DataFrame(
        [
            mention("a1", "corridor", "2024-08-01", surface="Corridor", speaker="Egypt",
                    sentence=sentence),
            mention("a1", "corridor", "2024-08-01", surface="the corridor",
                    speaker="the office", sentence=sentence),
        ]
    )  # fmt: skip
    assert [(q["speaker"], q["surfaces"]) for q in quote_records(rows)] == [
        ("Egypt", ["Corridor"]),
        ("the office", ["the corridor"]),
    ]
