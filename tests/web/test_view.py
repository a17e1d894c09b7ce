"""The app's data path: counts from SQL match the join of every mention; quotes come in pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from geo.extract import Extractor
from geo.ingest import article_from_text, ingest_article
from geo.maps.exports import locate
from geo.places import Gazetteer, load_gazetteer
from geo.store import Store
from geo.web.view import QUOTES_PAGE, ViewFilter, load_map_data, load_quotes

SENTENCES = (
    "Egypt kept the Rafah crossing shut, officials in Cairo said.",
    "Israel said it would stay on the Philadelphi Corridor.",
    "Trucks waited at the Kerem Shalom crossing near Gaza City.",
)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def extractor(gazetteer: Gazetteer) -> Extractor:
    return Extractor.from_gazetteer(gazetteer)


@pytest.fixture
def store(db_url: str, extractor: Extractor) -> Iterator[Store]:
    with Store(db_url) as opened:
        for n in range(120):
            text = f"{SENTENCES[n % 3]} {SENTENCES[(n + 1) % 3]} Report number {n}."
            day = dt.date(2024, 1, 1) + dt.timedelta(days=n)
            source = ("AFP", "AA", "Reuters")[n % 3]
            ingest_article(opened, extractor, article_from_text(text, published=day, source=source))
        yield opened


@pytest.mark.parametrize(
    "view",
    [
        ViewFilter(),
        ViewFilter(since=dt.date(2024, 2, 1), until=dt.date(2024, 3, 15)),
        ViewFilter(locations=("rafah-crossing",)),
        ViewFilter(sources=("AA",)),
        ViewFilter(locations=("rafah-crossing", "kerem-shalom-crossing"), sources=("AFP", "AA")),
    ],
    ids=["all", "dates", "one-place", "one-source", "mixed"],
)
def test_counts_from_sql_match_the_join_of_every_mention(
    store: Store, gazetteer: Gazetteer, view: ViewFilter
) -> None:
    data = load_map_data(store, gazetteer, view)
    mentions = store.mentions(**view.everything())
    slow = locate(mentions, gazetteer, as_of=view.until)
    columns = ["location_id", "count", "explicit", "anaphoric", "articles", "first_mention",
               "last_mention", "sources"]  # fmt: skip
    assert data.located[columns].to_dict("records") == slow[columns].to_dict("records")
    assert (data.mentions, data.articles) == (len(mentions), mentions["article_id"].nunique())
    assert set(data.places["name"]) >= {"Cairo"} or view.sources == ("AA",)
    for row in data.located.itertuples():
        assert len(row.quotes) == min(3, row.count)


def test_quotes_come_newest_first_in_pages_of_fifty(store: Store) -> None:
    first, shown, more = load_quotes(store, "rafah-crossing", ViewFilter())
    assert (shown, more) == (QUOTES_PAGE, True)
    dates = [quote["published"] for quote in first]
    assert dates == sorted(dates, reverse=True)
    everything, shown, more = load_quotes(store, "rafah-crossing", ViewFilter(), pages=3)
    assert (shown, more) == (80, False)
    assert everything[: len(first)] == first


def test_quotes_grouped_by_speaker_add_up_and_follow_the_speaker_filter(store: Store) -> None:
    from geo.web.view import load_speaker_groups

    groups = load_speaker_groups(store, "rafah-crossing", ViewFilter(), groups=50)
    total = store.location_stats(location_ids=["rafah-crossing"])["count"].sum()
    assert sum(group.count for group in groups) == total
    for group in groups:
        assert group.quotes and all(q["speaker"] == group.speaker for q in group.quotes)
        assert group.first_mention <= group.last_mention
    named = [group.speaker for group in groups if group.speaker]
    if named:
        only = ViewFilter(speakers=(named[0],))
        assert [g.speaker for g in load_speaker_groups(store, "rafah-crossing", only)] == named[:1]
        quotes, _, _ = load_quotes(store, "rafah-crossing", only)
        assert {q["speaker"] for q in quotes} == {named[0]}


def test_places_are_drawn_as_they_stood_on_the_as_of_day(
    store: Store, gazetteer: Gazetteer
) -> None:
    features = gazetteer.features
    ended = features[features["valid_to"].notna()]
    if ended.empty:
        pytest.skip("no place version with an end date in the layers")
    location, end = ended.iloc[0]["location_id"], ended.iloc[0]["valid_to"]
    before = dt.date.fromisoformat(str(end)[:10]) - dt.timedelta(days=1)
    then = load_map_data(store, gazetteer, ViewFilter(as_of=before)).located
    assert not then.set_index("location_id").loc[location, "historic"]
