"""The per-day count tables agree with the mentions they count, whatever the order of writes."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.desk.accounts import User
from geo.desk.reviews import Reviews, apply_reviews
from geo.extract.geonames import ContextPlace
from geo.model import Article, Mention
from geo.store.database import Store
from tests.store.test_database import find_mentions, make_article

EDITOR = User("desk@news.example", "editor")
GAZA = ContextPlace("Gaza", 281133, "PS", 31.5, 34.47, "Gaza", 0, 4)
CAIRO = ContextPlace("Cairo", 360630, "EG", 30.06, 31.25, "Cairo", 0, 5)
SENTENCES = (
    "Egypt kept the Rafah crossing shut.",
    "Israel said it would stay on the Philadelphi Corridor.",
    "Troops left the Netzarim Junction.",
    "The Rafah crossing and the Philadelphi Corridor were discussed.",
)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as opened:
        yield opened


def expected_stats(store: Store) -> pd.DataFrame:
    """What location_stats should say, computed the slow way from every counted mention."""
    mentions = apply_reviews(store.mentions(), Reviews(store).reviews_for(None))
    rows = []
    for location_id, group in mentions.groupby("location_id"):
        dates = sorted(d.isoformat() for d in group["published"] if d is not None)
        rows.append(
            {
                "location_id": location_id,
                "count": len(group),
                "explicit": int((group["kind"] == "explicit").sum()),
                "anaphoric": int((group["kind"] == "anaphoric").sum()),
                "articles": group["article_id"].nunique(),
                "first_mention": dates[0] if dates else None,
                "last_mention": dates[-1] if dates else None,
                "sources": sorted({s for s in group["source"] if isinstance(s, str)}),
                "speakers": sorted({s for s in group["speaker"] if isinstance(s, str)}),
            }
        )
    return pd.DataFrame(rows)


def stats(store: Store) -> pd.DataFrame:
    return store.location_stats().sort_values("location_id", ignore_index=True)


def assert_counts_agree(store: Store) -> None:
    counted = apply_reviews(store.mentions(), Reviews(store).reviews_for(None))
    assert store.count_mentioning_articles() == counted["article_id"].nunique()
    rafah = counted[counted["location_id"] == "rafah-crossing"]["article_id"].nunique()
    assert store.count_mentioning_articles(location_ids=["rafah-crossing"]) == rafah
    actual, expected = stats(store), expected_stats(store)
    if expected.empty:
        assert actual.empty
        return
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False)


def article(text: str, **metadata: str | None) -> tuple[Article, list[Mention]]:
    made = make_article(text, **metadata)  # type: ignore[arg-type]
    mentions = find_mentions(made)
    speaker = metadata.get("source")
    return made, [Mention(m.location_id, m.surface, m.start, m.end, m.kind, m.sentence, speaker)
                  for m in mentions]  # fmt: skip


def test_counts_follow_ingest_new_versions_and_reviews(store: Store) -> None:
    first, first_mentions = article(SENTENCES[3], url="https://n.example/1", published="2024-08-20",
                                    source="AFP")  # fmt: skip
    store.ingest(first, first_mentions, [GAZA])
    other, other_mentions = article(SENTENCES[0], published="2024-08-21", source="AA")
    store.ingest(other, other_mentions, [GAZA, GAZA, CAIRO])
    assert_counts_agree(store)
    assert stats(store)["count"].tolist() == [1, 2]

    newer, newer_mentions = article(SENTENCES[2], url="https://n.example/1", published="2024-08-22",
                                    source="AFP")  # fmt: skip
    assert store.ingest(newer, newer_mentions, []).status == "new-version"
    assert_counts_agree(store)
    assert stats(store)["location_id"].tolist() == ["netzarim-corridor", "rafah-crossing"]
    places = store.place_stats()
    assert places[["name", "count", "articles"]].values.tolist() == [
        ["Gaza", 2, 1],
        ["Cairo", 1, 1],
    ]

    rafah = other_mentions[0]
    reviews = Reviews(store)
    reviews.review(EDITOR, other.id, rafah.location_id, rafah.start, rafah.end, "rejected")
    assert_counts_agree(store)
    assert stats(store)["location_id"].tolist() == ["netzarim-corridor"]
    reviews.review(EDITOR, other.id, rafah.location_id, rafah.start, rafah.end, "confirmed")
    assert_counts_agree(store)


def test_filters_and_quotes_page_newest_first(store: Store) -> None:
    for day in range(1, 8):
        made, mentions = article(
            f"{SENTENCES[0]} Day {day}.", published=f"2024-08-0{day}", source=f"S{day % 2}"
        )
        store.ingest(made, mentions)
    undated, mentions = article(SENTENCES[3], source="S1")
    store.ingest(undated, mentions)
    week = store.location_stats(since=dt.date(2024, 8, 2), until=dt.date(2024, 8, 4))
    assert week[["location_id", "count", "first_mention", "last_mention"]].values.tolist() == [
        ["rafah-crossing", 3, "2024-08-02", "2024-08-04"]
    ]
    assert store.location_stats(sources=["S0"])["count"].tolist() == [3]
    first = store.quotes("rafah-crossing", limit=3)
    assert [d.isoformat() for d in first["published"]] == ["2024-08-07", "2024-08-06", "2024-08-05"]
    rest = store.quotes("rafah-crossing", limit=50, offset=3)
    assert len(rest) == 5 and rest["published"].iloc[-1] is None  # undated last
    assert store.quotes("rafah-crossing", sources=["S1"], until=dt.date(2024, 8, 3))[
        "published"
    ].tolist() == [dt.date(2024, 8, 3), dt.date(2024, 8, 1)]


def test_places_found_after_ingest_are_counted_once(store: Store) -> None:
    made, mentions = article(SENTENCES[0], published="2024-08-01", source="AA")
    store.ingest(made, mentions)  # places not known yet
    assert [a.id for a in store.articles_to_scan()] == [made.id]
    store.set_places(made.id, [CAIRO])
    store.set_places(made.id, [CAIRO])
    assert store.articles_to_scan() == []
    assert store.place_stats()[["name", "count"]].values.tolist() == [["Cairo", 1]]


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["ingest", "reject", "confirm"]),
        st.integers(0, len(SENTENCES) - 1),
        st.sampled_from([None, "https://n.example/a", "https://n.example/b"]),
        st.sampled_from([None, "2024-08-01", "2024-08-02"]),
        st.sampled_from([None, "AFP", "AA"]),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPERATIONS)
def test_counts_agree_after_any_sequence_of_writes(operations: list[tuple]) -> None:  # type: ignore[type-arg]
    with (
        tempfile.TemporaryDirectory() as folder,
        Store(f"sqlite:///{Path(folder) / 's.db'}") as store,
    ):
        stored: list[tuple[Article, list[Mention]]] = []
        reviews = Reviews(store)
        for action, index, url, published, source in operations:
            if action == "ingest" or not stored:
                made, mentions = article(
                    SENTENCES[index], url=url, published=published, source=source
                )
                store.ingest_many([(made, mentions, [GAZA] if index % 2 else None)])
                stored.append((made, mentions))
            else:
                made, mentions = stored[index % len(stored)]
                for mention in mentions[:1]:
                    status = "rejected" if action == "reject" else "confirmed"
                    reviews.review(EDITOR, made.id, mention.location_id, mention.start,
                                   mention.end, status)  # fmt: skip
            assert_counts_agree(store)
