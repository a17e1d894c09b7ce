"""The article store, on SQLite and on a real PostgreSQL server (``db_url`` runs both)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

import geo.store.database
from geo.ingest.articles import article_from_text
from geo.model import Article, Mention
from geo.store import config
from geo.store.database import MENTION_COLUMNS, IngestOutcome, Store

PLACES = {
    "Philadelphi Corridor": "philadelphi-corridor",
    "Rafah crossing": "rafah-crossing",
    "Netzarim Junction": "netzarim-corridor",
}


def make_article(
    text: str, *, url: str | None = None, published: str | None = None, source: str | None = None
) -> Article:
    """An article from hand-written text and metadata."""
    return article_from_text(text, url=url, published=published, source=source)


def find_mentions(article: Article) -> list[Mention]:
    """Every explicit mention of a known place name in the article text."""
    found = [
        Mention(location_id, name, m.start(), m.end(), "explicit", article.text, None)
        for name, location_id in PLACES.items()
        for m in re.finditer(re.escape(name), article.text)
    ]
    return sorted(found, key=lambda mention: mention.start)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as opened:
        yield opened


RAFAH = make_article(
    "Egypt kept the Rafah crossing shut on Monday. Trucks waited near the Rafah crossing.",
    url="https://news.example/rafah",
    published="2024-08-20",
    source="AFP",
)
CORRIDOR = make_article(
    "Israel said it would stay on the Philadelphi Corridor.",
    url="https://news.example/corridor",
    published="2024-08-23",
    source="AA",
)
JUNCTION = make_article(
    "Troops withdrew from the Netzarim Junction, witnesses said; the Rafah crossing stayed shut.",
    published=None,
    source="Reuters",
)


# --- ingest, duplicates, versions ---------------------------------------------------------------


def test_ingest_stores_article_and_mentions(store: Store) -> None:
    mentions = find_mentions(RAFAH)
    assert store.ingest(RAFAH, mentions) == IngestOutcome(RAFAH.id, "stored", 2)
    assert store.article(RAFAH.id) == RAFAH
    assert store.articles() == [RAFAH]
    assert store.count_articles() == 1

    frame = store.mentions()
    assert list(frame.columns) == list(MENTION_COLUMNS)
    assert list(frame["surface"]) == ["Rafah crossing", "Rafah crossing"]
    assert list(frame["start"]) == [m.start for m in mentions]
    row = frame.iloc[0]
    assert row["published"] == dt.date(2024, 8, 20)
    assert type(row["published"]) is dt.date
    assert (row["title"], row["source"], row["url"]) == (RAFAH.title, "AFP", RAFAH.url)
    assert RAFAH.text[row["start"] : row["end"]] == row["surface"]


def test_article_without_mentions_is_stored(store: Store) -> None:
    assert store.ingest(CORRIDOR, []).status == "stored"
    assert store.count_articles() == 1
    assert store.mentions().empty


def test_same_text_again_is_a_duplicate_and_writes_nothing(store: Store) -> None:
    store.ingest(RAFAH, find_mentions(RAFAH))
    revision = store.revision()
    again = make_article(RAFAH.text.replace(" ", "  "), url="https://elsewhere.example/copy")
    assert again.id == RAFAH.id
    assert store.ingest(again, find_mentions(again)) == IngestOutcome(RAFAH.id, "duplicate", 2)
    assert store.revision() == revision
    assert len(store.mentions()) == 2
    assert store.article(RAFAH.id) == RAFAH


def test_new_text_at_a_stored_url_is_a_new_version(store: Store) -> None:
    store.ingest(RAFAH, find_mentions(RAFAH))
    updated = make_article(
        "Update: Egypt reopened the Rafah crossing on Tuesday.",
        url=RAFAH.url,
        published="2024-08-21",
        source="AFP",
    )
    assert store.ingest(updated, find_mentions(updated)) == IngestOutcome(
        updated.id, "new-version", 1
    )
    assert store.count_articles() == 1
    assert store.articles() == [updated]
    assert store.article(RAFAH.id) == RAFAH  # the earlier version stays readable
    frame = store.mentions()
    assert list(frame["article_id"]) == [updated.id]  # the map counts the latest version only

    third = make_article("Second update on the Philadelphi Corridor.", url=RAFAH.url)
    assert store.ingest(third, find_mentions(third)).status == "new-version"
    assert [a.id for a in store.articles()] == [third.id]
    assert list(store.mentions()["location_id"]) == ["philadelphi-corridor"]
    assert _column(store, "version", third.id) == 3
    assert _column(store, "superseded_by", updated.id) == third.id


def test_articles_without_url_never_supersede_each_other(store: Store) -> None:
    other = make_article("Another report on the Netzarim Junction.", source="Reuters")
    store.ingest(JUNCTION, find_mentions(JUNCTION))
    store.ingest(other, find_mentions(other))
    assert store.count_articles() == 2


# --- queries ------------------------------------------------------------------------------------


@pytest.fixture
def filled(store: Store) -> Store:
    for article in (JUNCTION, CORRIDOR, RAFAH):
        store.ingest(article, find_mentions(article))
    return store


def test_mentions_are_ordered_by_published_then_article_then_start(filled: Store) -> None:
    frame = filled.mentions()
    assert list(frame["article_id"]) == [RAFAH.id, RAFAH.id, CORRIDOR.id, JUNCTION.id, JUNCTION.id]
    assert list(frame["published"].iloc[:3]) == [dt.date(2024, 8, 20)] * 2 + [dt.date(2024, 8, 23)]
    assert frame["published"].iloc[3] is None  # undated articles come last
    assert list(frame["start"].iloc[3:]) == sorted(frame["start"].iloc[3:])
    assert [a.id for a in filled.articles()] == [RAFAH.id, CORRIDOR.id, JUNCTION.id]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"location_ids": ["rafah-crossing"]}, ["RAFAH", "RAFAH", "JUNCTION"]),
        ({"location_ids": ["netzarim-corridor", "philadelphi-corridor"]}, ["CORRIDOR", "JUNCTION"]),
        ({"location_ids": []}, []),
        ({"since": dt.date(2024, 8, 21)}, ["CORRIDOR"]),
        ({"until": dt.date(2024, 8, 22)}, ["RAFAH", "RAFAH"]),
        ({"since": dt.date(2024, 8, 20), "until": dt.date(2024, 8, 20)}, ["RAFAH", "RAFAH"]),
        ({"since": dt.datetime(2024, 8, 23, 18, 0)}, ["CORRIDOR"]),
        ({"sources": ["Reuters", "AA"]}, ["CORRIDOR", "JUNCTION", "JUNCTION"]),
        ({"sources": ["Nobody"]}, []),
        ({"location_ids": ["rafah-crossing"], "sources": ["AFP"]}, ["RAFAH", "RAFAH"]),
    ],
)
def test_mention_filters(filled: Store, filters: dict[str, Any], expected: list[str]) -> None:
    ids = {RAFAH.id: "RAFAH", CORRIDOR.id: "CORRIDOR", JUNCTION.id: "JUNCTION"}
    frame = filled.mentions(**filters)
    assert [ids[a] for a in frame["article_id"]] == expected
    assert list(frame.columns) == list(MENTION_COLUMNS)


@pytest.mark.parametrize(
    ("filters", "error", "message"),
    [
        ({"location_ids": "rafah-crossing"}, TypeError, "'rafah-crossing'"),
        ({"sources": "AFP"}, TypeError, "'AFP'"),
        ({"since": "2024-08-01"}, TypeError, "'2024-08-01'"),
        (
            {"since": dt.date(2024, 8, 2), "until": dt.date(2024, 8, 1)},
            ValueError,
            "is after until",
        ),
    ],
)
def test_bad_filters_are_refused(
    filled: Store, filters: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        filled.mentions(**filters)


def test_sources_date_range_and_counts(store: Store) -> None:
    assert (store.sources(), store.date_range(), store.count_articles()) == ([], (None, None), 0)
    assert store.mentions().empty
    for article in (JUNCTION, CORRIDOR, RAFAH):
        store.ingest(article, find_mentions(article))
    assert store.sources() == ["AA", "AFP", "Reuters"]
    assert store.date_range() == (dt.date(2024, 8, 20), dt.date(2024, 8, 23))
    assert store.count_articles() == 3


def test_article_lookup_of_unknown_id(store: Store) -> None:
    assert store.article("0" * 16) is None


def test_revision_changes_on_every_write(store: Store) -> None:
    seen = {store.revision()}
    for article in (RAFAH, CORRIDOR):
        store.ingest(article, find_mentions(article))
        seen.add(store.revision())
    assert len(seen) == 3
    store.ingest(RAFAH, find_mentions(RAFAH))
    assert store.revision() in seen


# --- failures leave nothing half-stored ---------------------------------------------------------


def test_mention_violating_a_constraint_rolls_back_the_article(store: Store) -> None:
    revision = store.revision()
    broken = [*find_mentions(RAFAH), Mention(None, "Egypt", 0, 5, "explicit", "s", None)]  # type: ignore[arg-type]
    with pytest.raises(IntegrityError):
        store.ingest(RAFAH, broken)
    assert store.article(RAFAH.id) is None
    assert (store.count_articles(), len(store.mentions()), store.revision()) == (0, 0, revision)
    assert store.ingest(RAFAH, find_mentions(RAFAH)).status == "stored"  # and it can be retried


def test_error_after_the_article_insert_rolls_back_a_new_version(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.ingest(RAFAH, find_mentions(RAFAH))
    revision = store.revision()
    updated = make_article("Egypt reopened the Rafah crossing.", url=RAFAH.url)

    def fail(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(geo.store.database, "_place_facts", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        store.ingest(updated, find_mentions(updated))
    assert store.article(updated.id) is None
    assert store.articles() == [RAFAH]  # still the latest: not marked superseded
    assert _column(store, "superseded_by", RAFAH.id) is None
    assert len(store.mentions()) == 2
    assert store.revision() == revision


@pytest.mark.parametrize(
    ("mention", "message"),
    [
        (Mention("rafah-crossing", "Rafah crossing", 0, 14, "explicit", "s", None), "'Egypt kept"),
        (Mention("rafah-crossing", "Rafah crossing", 15, 999, "explicit", "s", None), "15:999"),
        (Mention("rafah-crossing", "", 15, 15, "explicit", "s", None), "15:15"),
        (Mention("rafah-crossing", "Rafah crossing", 15, 29, "implied", "s", None), "'implied'"),  # type: ignore[arg-type]
    ],
    ids=["wrong-surface", "past-the-end", "empty", "unknown-kind"],
)
def test_mentions_that_do_not_match_the_text_are_refused(
    store: Store, mention: Mention, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        store.ingest(RAFAH, [mention])
    assert store.count_articles() == 0


# --- opening ------------------------------------------------------------------------------------


def test_reopening_keeps_data_and_schema_at_head(db_url: str) -> None:
    with Store(db_url) as first:
        first.ingest(RAFAH, find_mentions(RAFAH))
        revision = first.revision()
    with Store(db_url) as second:
        assert second.articles() == [RAFAH]
        assert second.revision() == revision
        with second._engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == "0008"


def test_sqlite_store_uses_wal(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'nested' / 'store.db'}")
    with store, store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 1000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_store_without_url_opens_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEO_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    with Store() as store:
        store.ingest(CORRIDOR, [])
    assert (tmp_path / "env.db").is_file()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://desk@db.example:5432/geo", "postgresql+psycopg://desk@db.example:5432/geo"),
        (
            "postgres://desk:s%40cret@db.example/geo",
            "postgresql+psycopg://desk:s%40cret@db.example/geo",
        ),
        ("postgresql+psycopg2://desk@db/geo", "postgresql+psycopg2://desk@db/geo"),
        ("sqlite:////srv/geo/map.db", "sqlite:////srv/geo/map.db"),
    ],
)
def test_database_url_from_environment(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("GEO_DB_URL", f"  {url} ")
    assert config.database_url() == expected


def test_database_url_default_is_sqlite_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEO_DB_URL", raising=False)
    url = config.database_url()
    repo = Path(__file__).resolve().parents[2]
    assert url == f"sqlite:///{repo / 'var' / 'contested-map.db'}"
    assert (repo / "var").is_dir()


def test_database_url_that_is_not_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_DB_URL", "not a url")
    with pytest.raises(ValueError, match="'not a url'"):
        config.database_url()


# --- concurrency --------------------------------------------------------------------------------

WORKERS = 4
SHARED_URL = "https://news.example/live-blog"


def _concurrent_texts() -> list[tuple[str, str | None]]:
    """Articles the workers all ingest: eight plain ones and three versions of one URL."""
    plain = [(f"Report {n}: the Rafah crossing opened for {n} hours.", None) for n in range(8)]
    live = [(f"Live blog, entry {n}: the Philadelphi Corridor.", SHARED_URL) for n in range(3)]
    return plain + live


def _ingest_worker(
    url: str, order: Sequence[int], barrier: Any, results: Any
) -> None:  # runs in a spawned process
    barrier.wait(timeout=120)
    texts = _concurrent_texts()
    with Store(url) as store:  # every worker migrates the fresh database at the same moment
        for index in order:
            text, article_url = texts[index]
            article = make_article(text, url=article_url)
            outcome = store.ingest(article, find_mentions(article))
            results.put((outcome.article_id, outcome.status))


def test_concurrent_writers_store_each_article_exactly_once(db_url: str) -> None:
    texts = _concurrent_texts()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    orders = [[(i + 3 * w) % len(texts) for i in range(len(texts))] for w in range(WORKERS)]
    workers = [
        context.Process(target=_ingest_worker, args=(db_url, order, barrier, results))
        for order in orders
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in range(WORKERS * len(texts))]
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * WORKERS

    by_id = {make_article(text, url=url).id: url for text, url in texts}
    statuses = Counter(status for _, status in outcomes)
    firsts = Counter(article_id for article_id, status in outcomes if status != "duplicate")
    assert firsts == Counter(list(by_id))  # each article written by exactly one worker
    assert statuses["duplicate"] == (WORKERS - 1) * len(texts)
    assert statuses["new-version"] == 2  # the live blog: one first version, two later ones

    with Store(db_url) as store:
        assert store.count_articles() == 9  # eight plain articles and the live blog's latest
        assert len(store.mentions()) == 9
        with store._engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one()
            mention_rows = conn.execute(sa.text("SELECT count(*) FROM mentions")).scalar_one()
    assert (stored, mention_rows) == (len(texts), len(texts))


def _column(store: Store, column: str, article_id: str) -> Any:
    """Read one column of one article row straight from the database."""
    table = geo.store.database.articles_table
    with store._engine.connect() as conn:
        return conn.execute(sa.select(table.c[column]).where(table.c.id == article_id)).scalar_one()


def test_review_order_puts_the_least_sure_mentions_first(store: Store) -> None:
    import dataclasses

    older, newer = (
        RAFAH,
        make_article(
            "Egypt reopened Rafah on Tuesday; the crossing saw trucks.", published="2024-08-21"
        ),
    )
    store.ingest(older, find_mentions(older))
    at = newer.text.index("the crossing")
    bare = Mention("rafah-crossing", "Rafah", 15, 20, "bare", newer.text, None, 0.75)
    back = Mention(
        "rafah-crossing", "the crossing", at, at + 12, "anaphoric", newer.text, None, 0.8
    )
    store.ingest(newer, [bare, back])

    newest_first = store.quotes("rafah-crossing")
    assert list(newest_first["surface"]) == ["Rafah", "the crossing", *["Rafah crossing"] * 2]
    review = store.quotes("rafah-crossing", least_sure_first=True)
    assert list(review["confidence"]) == [0.75, 0.8, 1.0, 1.0]
    assert list(review["kind"]) == ["bare", "anaphoric", "explicit", "explicit"]
    with pytest.raises(ValueError, match=r"confidence 1\.5"):
        again = make_article(newer.text + " Again.")
        store.ingest(again, [dataclasses.replace(bare, confidence=1.5, sentence=again.text)])


def test_daily_counts_sum_mentions_per_place_and_day_for_a_filter(store: Store) -> None:
    later = make_article(
        "The Rafah crossing opened for the wounded.",
        url="https://news.example/rafah-later",
        published="2024-09-03",
        source="Reuters",
    )
    undated = make_article("The Rafah crossing stayed shut.", url="https://news.example/undated")
    for article in (RAFAH, CORRIDOR, later, undated):
        store.ingest(article, find_mentions(article))
    days = store.daily_counts(location_ids=["rafah-crossing"])
    assert days.to_dict("records") == [
        {"location_id": "rafah-crossing", "day": dt.date(2024, 8, 20), "mentions": 2},
        {"location_id": "rafah-crossing", "day": dt.date(2024, 9, 3), "mentions": 1},
    ]  # undated articles have no day on a timeline
    assert store.daily_counts(sources=["Reuters"])["mentions"].tolist() == [1]
    everything = store.daily_counts()
    assert set(everything["location_id"]) == {"rafah-crossing", "philadelphi-corridor"}
