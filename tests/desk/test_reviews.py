"""Reviews of mentions on SQLite and PostgreSQL, and the pure apply_reviews."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from geo.desk.accounts import PermissionDenied, User
from geo.desk.reviews import MENTION_KEY, REVIEW_COLUMNS, Review, Reviews, apply_reviews
from geo.ingest.articles import article_from_text
from geo.model import Article, Mention
from geo.store.database import Store

PLACES = {
    "Philadelphi Corridor": "philadelphi-corridor",
    "Rafah crossing": "rafah-crossing",
    "Netzarim Junction": "netzarim-corridor",
}
EDITOR = User("editor@news.example", "editor")
ADMIN = User("admin@news.example", "admin")
VIEWER = User("viewer@news.example", "viewer")
WHEN = dt.datetime(2024, 9, 2, 10, 30, tzinfo=dt.UTC)


def make_article(text: str) -> Article:
    return article_from_text(text, source="Wire", published="2024-08-23")


def find_mentions(article: Article) -> list[Mention]:
    """Every explicit mention of a known place name in the article text."""
    found = [
        Mention(location_id, name, m.start(), m.end(), "explicit", article.text, None)
        for name, location_id in PLACES.items()
        for m in re.finditer(re.escape(name), article.text)
    ]
    return sorted(found, key=lambda mention: mention.start)


def key(article: Article, mention: Mention) -> tuple[str, str, int, int]:
    return (article.id, mention.location_id, mention.start, mention.end)


ARTICLE = make_article(
    "Egypt kept the Rafah crossing shut. Israel said it would hold the Philadelphi Corridor."
)
OTHER = make_article("Troops left the Netzarim Junction on Sunday, witnesses said.")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as opened:
        for article in (ARTICLE, OTHER):
            opened.ingest(article, find_mentions(article))
        yield opened


@pytest.fixture
def reviews(store: Store) -> Reviews:
    return Reviews(store, clock=lambda: WHEN)


RAFAH, CORRIDOR = (key(ARTICLE, m) for m in find_mentions(ARTICLE))
(JUNCTION,) = (key(OTHER, m) for m in find_mentions(OTHER))


# --- writing reviews ------------------------------------------------------------------------------


def test_an_editor_reviews_a_mention(store: Store, reviews: Reviews) -> None:
    revision = store.revision()
    review = reviews.review(EDITOR, *RAFAH, "rejected", note="  Not the crossing: a street name. ")
    assert review == Review(
        *RAFAH, "rejected", "editor@news.example", WHEN, "Not the crossing: a street name."
    )
    assert store.revision() != revision  # cached views of the map refresh
    frame = reviews.reviews_for([ARTICLE.id])
    assert list(frame.columns) == list(REVIEW_COLUMNS)
    assert frame.to_dict("records") == [
        {
            "article_id": ARTICLE.id,
            "location_id": "rafah-crossing",
            "start": RAFAH[2],
            "end": RAFAH[3],
            "status": "rejected",
            "reviewer": "editor@news.example",
            "reviewed_at": WHEN,
            "note": "Not the crossing: a street name.",
        }
    ]


def test_a_later_review_replaces_the_earlier(reviews: Reviews) -> None:
    reviews.review(EDITOR, *CORRIDOR, "rejected", note="wrong")
    reviews.review(ADMIN, *CORRIDOR, "confirmed")
    frame = reviews.reviews_for([ARTICLE.id])
    assert len(frame) == 1
    assert frame.iloc[0][["status", "reviewer", "note"]].tolist() == [
        "confirmed",
        "admin@news.example",
        None,
    ]


def test_a_viewer_is_refused_and_nothing_is_written(store: Store, reviews: Reviews) -> None:
    revision = store.revision()
    with pytest.raises(PermissionDenied, match=r"'viewer@news\.example'.*'review'"):
        reviews.review(VIEWER, *RAFAH, "rejected")
    assert reviews.reviews_for(None).empty
    assert store.revision() == revision


@pytest.mark.parametrize(
    ("mention", "status", "note", "message"),
    [
        (RAFAH, "maybe", None, "unknown review status 'maybe'"),
        (RAFAH, "confirmed", "x" * 2001, "the note has 2001 characters"),
        (RAFAH, "confirmed", 42, "a review note must be text, got 42"),
        ((RAFAH[0], "rafah-crossing", 0, 5), "confirmed", None, "no mention of 'rafah-crossing'"),
        (("0" * 16, *RAFAH[1:]), "confirmed", None, "in article '0000000000000000'"),
        ((*RAFAH[:2], "15", RAFAH[3]), "confirmed", None, "start must be an integer"),
        ((*RAFAH[:3], True), "confirmed", None, "end must be an integer offset, got True"),
    ],
)
def test_bad_reviews_are_refused_naming_the_bad_value(
    reviews: Reviews, mention: Sequence[Any], status: str, note: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        reviews.review(EDITOR, *mention, status, note=note)
    assert reviews.reviews_for(None).empty


def test_reviews_for_filters_by_article(reviews: Reviews) -> None:
    reviews.review(EDITOR, *RAFAH, "confirmed")
    reviews.review(EDITOR, *JUNCTION, "rejected")
    assert reviews.reviews_for([OTHER.id])["location_id"].tolist() == ["netzarim-corridor"]
    assert len(reviews.reviews_for(iter([ARTICLE.id, OTHER.id, ARTICLE.id]))) == 2
    assert len(reviews.reviews_for(None)) == 2
    assert reviews.reviews_for([]).empty
    with pytest.raises(TypeError, match="got the string"):
        reviews.reviews_for(ARTICLE.id)


def test_reviews_of_mentions_on_the_map(store: Store, reviews: Reviews) -> None:
    reviews.review(EDITOR, *RAFAH, "rejected")
    reviews.review(EDITOR, *CORRIDOR, "confirmed")
    mentions = store.mentions()
    shown = apply_reviews(mentions, reviews.reviews_for(mentions["article_id"].unique()))
    assert sorted(zip(shown["location_id"], shown["review"], strict=True), key=str) == [
        ("netzarim-corridor", None),
        ("philadelphi-corridor", "confirmed"),
    ]


# --- apply_reviews (pure) -------------------------------------------------------------------------


def mentions_frame(keys: Sequence[tuple[str, str, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(keys), columns=list(MENTION_KEY))
    frame["surface"] = [f"s{i}" for i in range(len(frame))]
    return frame


def reviews_frame(rows: Sequence[tuple[str, str, int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=[*MENTION_KEY, "status"])


def test_apply_reviews_drops_rejected_and_labels_the_rest() -> None:
    mentions = mentions_frame([("a", "x", 0, 3), ("a", "y", 5, 9), ("b", "x", 1, 2)])
    mentions.index = [10, 11, 12]
    reviews = reviews_frame([("a", "y", 5, 9, "rejected"), ("b", "x", 1, 2, "confirmed")])
    before = (mentions.copy(), reviews.copy())

    shown = apply_reviews(mentions, reviews)
    assert shown.index.tolist() == [10, 12]
    assert shown["review"].tolist() == [None, "confirmed"]
    assert shown["surface"].tolist() == ["s0", "s2"]
    everything = apply_reviews(mentions, reviews, include_rejected=True)
    assert everything["review"].tolist() == [None, "rejected", "confirmed"]
    pd.testing.assert_frame_equal(mentions, before[0])
    pd.testing.assert_frame_equal(reviews, before[1])


def test_apply_reviews_with_no_reviews_or_no_mentions() -> None:
    mentions = mentions_frame([("a", "x", 0, 3)])
    assert apply_reviews(mentions, reviews_frame([]))["review"].tolist() == [None]
    empty = apply_reviews(mentions_frame([]), reviews_frame([("a", "x", 0, 3, "rejected")]))
    assert empty.empty
    assert "review" in empty.columns


@pytest.mark.parametrize(
    ("mentions", "reviews", "message"),
    [
        (
            pd.DataFrame({"article_id": ["a"]}),
            reviews_frame([]),
            "mentions lacks the column(s) ['location_id', 'start', 'end']",
        ),
        (
            mentions_frame([]),
            reviews_frame([]).drop(columns="status"),
            "reviews lacks the column(s) ['status']",
        ),
        (
            mentions_frame([]),
            reviews_frame([("a", "x", 0, 3, "rejected"), ("a", "x", 0, 3, "confirmed")]),
            "more than one review of the mention ('a', 'x', 0, 3)",
        ),
    ],
)
def test_apply_reviews_refuses_malformed_frames(
    mentions: pd.DataFrame, reviews: pd.DataFrame, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        apply_reviews(mentions, reviews)


_keys = st.tuples(
    st.sampled_from(["a", "b"]), st.sampled_from(["x", "y"]), st.integers(0, 3), st.integers(4, 6)
)


@given(
    st.lists(_keys, max_size=12),
    st.dictionaries(_keys, st.sampled_from(["confirmed", "rejected"]), max_size=12),
)
def test_apply_reviews_keeps_exactly_the_mentions_not_rejected(
    keys: list[tuple[str, str, int, int]], statuses: dict[tuple[str, str, int, int], str]
) -> None:
    mentions = mentions_frame(keys)
    reviews = reviews_frame([(*k, status) for k, status in statuses.items()])
    shown = apply_reviews(mentions, reviews)
    kept = [i for i, k in enumerate(keys) if statuses.get(k) != "rejected"]
    assert shown.index.tolist() == kept
    assert shown["review"].tolist() == [statuses.get(keys[i]) for i in kept]
    assert len(apply_reviews(mentions, reviews, include_rejected=True)) == len(keys)


# --- four processes ingesting and reviewing at once -----------------------------------------------

WORKERS = 4
BASE_TEXTS = [
    f"Report {n}: the Rafah crossing stayed shut while talks on the Philadelphi Corridor went on."
    for n in range(6)
]
SHARED_TEXTS = [f"Pool story {n}: the Netzarim Junction was quiet." for n in range(2)]


def own_texts(worker: int) -> list[str]:
    return [f"Worker {worker}, story {n}: trucks queued at the Rafah crossing." for n in range(3)]


def review_plan(
    keys: Sequence[tuple[str, str, int, int]], worker: int
) -> list[tuple[tuple[str, str, int, int], str]]:
    """The reviews one worker writes: its share of the keys, then the two contested keys."""
    own = [
        (k, "confirmed" if i % 2 else "rejected")
        for i, k in enumerate(keys[2:])
        if i % WORKERS == worker
    ]
    contested = [(k, "confirmed" if worker % 2 else "rejected") for k in keys[:2]]
    return own + contested


def _worker(url: str, worker: int, keys: list[Any], barrier: Any, results: Any) -> None:
    """Ingest articles and review mentions, alternating (runs in a spawned process)."""
    user = User(f"editor{worker}@news.example", "editor")
    ingests = [make_article(text) for text in own_texts(worker) + SHARED_TEXTS]
    plan = review_plan([tuple(k) for k in keys], worker)
    barrier.wait(timeout=120)
    with Store(url) as store:
        reviews = Reviews(store)
        for step in range(max(len(ingests), len(plan))):
            if step < len(ingests):
                outcome = store.ingest(ingests[step], find_mentions(ingests[step]))
                results.put(("ingest", outcome.article_id, outcome.status))
            if step < len(plan):
                mention, status = plan[step]
                reviews.review(user, *mention, status)
                results.put(("review", mention, status, user.email))


def test_concurrent_ingests_and_reviews_each_arrive_exactly_once(db_url: str) -> None:
    with Store(db_url) as store:
        base = [make_article(text) for text in BASE_TEXTS]
        for article in base:
            store.ingest(article, find_mentions(article))
        keys = [key(article, m) for article in base for m in find_mentions(article)]
        writes_before = int(store.revision().rsplit("-", 1)[1])
    plans = [review_plan(keys, w) for w in range(WORKERS)]

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=_worker, args=(db_url, w, keys, barrier, results))
        for w in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    expected = sum(len(own_texts(w)) + len(SHARED_TEXTS) + len(plans[w]) for w in range(WORKERS))
    events = [results.get(timeout=300) for _ in range(expected)]
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * WORKERS

    ingests = [event for event in events if event[0] == "ingest"]
    stored = Counter(article_id for _, article_id, status in ingests if status == "stored")
    new_ids = {make_article(t).id for w in range(WORKERS) for t in own_texts(w) + SHARED_TEXTS}
    assert stored == Counter(list(new_ids))  # every new article stored by exactly one worker
    assert sum(status == "duplicate" for *_, status in ingests) == (WORKERS - 1) * len(SHARED_TEXTS)

    with Store(db_url) as store:
        assert store.count_articles() == len(base) + len(new_ids)
        with store.engine.connect() as conn:
            assert conn.execute(
                sa.text("SELECT count(*) FROM mention_reviews")
            ).scalar_one() == len(keys)
        frame = Reviews(store).reviews_for(None)
        writes_after = int(store.revision().rsplit("-", 1)[1])
    stored_reviews = {
        (r.article_id, r.location_id, r.start, r.end): (r.status, r.reviewer)
        for r in frame.itertuples()
    }
    assert len(stored_reviews) == len(keys)  # one review per mention
    for w, plan in enumerate(plans):
        for mention, status in plan[:-2]:  # each worker's own share: exactly what it wrote
            assert stored_reviews[mention] == (status, f"editor{w}@news.example")
    written = {(tuple(e[1]), e[2], e[3]) for e in events if e[0] == "review"}
    for mention in keys[:2]:  # the contested ones: one worker's review, whole, won
        assert (mention, *stored_reviews[mention]) in written
    review_calls = sum(len(plan) for plan in plans)
    assert writes_after - writes_before == len(new_ids) + review_calls  # no write lost or doubled
