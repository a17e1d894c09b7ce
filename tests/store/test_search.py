"""Searching stored articles by their words: SQLite FTS5 and PostgreSQL full-text search."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geo.store.database import Store
from tests.store.test_database import find_mentions, make_article

TEXTS = {
    "corridor": "Israel said it would stay on the Philadelphi Corridor.",
    "crossing": "Egypt kept the Rafah crossing shut on Monday.",
    "both": "The Rafah crossing and the Philadelphi Corridor were discussed.",
    "hostile": 'Quotes " and FTS words NEAR(x) OR * -minus: "Philadelphi" in them.',
}


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as opened:
        for day, (name, text) in enumerate(TEXTS.items(), start=1):
            article = make_article(text, published=f"2024-08-0{day}", source=name)
            opened.ingest(article, find_mentions(article))
        yield opened


def titles(found) -> list[str]:  # type: ignore[no-untyped-def]
    return list(found[0]["source"])


def test_words_find_the_articles_that_hold_them_newest_first(store: Store) -> None:
    assert titles(store.search_articles("Philadelphi")) == ["hostile", "both", "corridor"]
    assert titles(store.search_articles("rafah  CROSSING")) == ["both", "crossing"]
    found, total = store.search_articles("Philadelphi", limit=1, offset=1)
    assert (list(found["source"]), total) == (["both"], 3)
    assert found["places"].iloc[0] == ["philadelphi-corridor", "rafah-crossing"]
    assert found["mentions"].iloc[0] == 2


@pytest.mark.parametrize("words", ['"', "NEAR(x)", "* OR -", "'; DROP TABLE articles; --"])
def test_search_syntax_in_the_words_is_taken_as_words(store: Store, words: str) -> None:
    store.search_articles(words)  # never an error
    assert store.count_articles() == 4


def test_no_words_lists_every_article_and_a_new_version_replaces_the_old(store: Store) -> None:
    assert store.search_articles()[1] == 4
    updated = make_article("The Netzarim Junction was quiet.", url=None, source="n")
    store.ingest(updated, find_mentions(updated))
    assert titles(store.search_articles("Netzarim")) == ["n"]
    assert store.search_articles("nowhere-to-be-found")[1] == 0
