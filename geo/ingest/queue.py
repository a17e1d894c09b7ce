"""Ingest on other machines: a task queue that lives in the store's own PostgreSQL.

``python -m geo ingest --queue`` reads items as usual (files, archives, feeds, URLs), then,
instead of extracting and storing, enqueues the completed articles as jobs of up to
:data:`JOB_ARTICLES` each. ``python -m geo worker``, on any machine that reaches the database,
takes jobs one at a time, extracts their mentions and stores them with
:meth:`~geo.store.database.Store.ingest_many`. A job carries the articles themselves, not
file paths or URLs, so a worker needs nothing but ``GEO_DB_URL``.

Why procrastinate: its queue is a few tables in the same PostgreSQL as the data, so there is no
broker (Redis, RabbitMQ) to run, secure and back up. Workers take jobs with
``SELECT ... FOR UPDATE SKIP LOCKED`` (two workers never take the same job) and hear of new
ones by ``LISTEN/NOTIFY``, so they do not poll hard. Jobs are rows: they survive a restart of
any worker or of the database. It is well maintained, typed, and speaks psycopg 3, which the
store already uses.

Exactly once: delivery is at least once and storage is idempotent. An article's id is a hash of
its text, and the store writes a text it holds already as a "duplicate", so running a job twice
stores nothing twice. A job whose database connection fails is retried with a back-off
(:data:`RETRY`). A worker killed outright (SIGKILL, a lost machine) leaves its job "doing" and
stops sending heartbeats. Once its last heartbeat is older than ``stalled_after`` seconds
(default :data:`STALLED_AFTER`), the next worker to start, or any running worker within another
``stalled_after`` seconds, puts the job back in the queue. Nothing of a killed job was stored
(one transaction), or all of it was and the retry finds duplicates.

Order: jobs run in parallel, so two texts at the same URL in different jobs may be stored in
either order, and the one stored last is the latest version. Within a job order is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import procrastinate
import psycopg
import sqlalchemy.exc
from procrastinate.exceptions import ConnectorException
from procrastinate.job_context import JobContext
from procrastinate.schema import SchemaManager
from procrastinate.types import JSONDict
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from geo.extract.geonames import ContextPlace
from geo.extract.mentions import Extractor
from geo.ingest.articles import article_id
from geo.ingest.workers import ExtractionPool
from geo.model import Article, Mention
from geo.store.config import database_url, normalise_url
from geo.store.database import IngestOutcome, Store

QUEUE = "ingest"
"""The procrastinate queue the ingest jobs go to and the workers listen on."""
JOB_ARTICLES = 50
"""Articles per job, at most: one extraction round and one store transaction."""
JOB_TEXT_BYTES = 8 * 1024 * 1024
"""Text per job, at most (a job with one longer article still goes alone)."""
STALLED_AFTER = 30.0
"""Seconds without a heartbeat after which a worker's job is put back in the queue."""
TRANSIENT: tuple[type[Exception], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    ConnectionError,
)
"""Errors of a database that went away (or restarted): the job is tried again later."""
RETRY = procrastinate.RetryStrategy(
    max_attempts=5, exponential_wait=2, retry_exceptions=set(TRANSIENT)
)
"""A job whose database went away is tried again after 2, 4, 8, 16 and 32 seconds, then fails."""
NEEDS_POSTGRES = "the queue needs PostgreSQL: set GEO_DB_URL to a postgresql:// URL"
_SCHEMA_LOCK = 0x47454F5155  # "GEOQU": one process at a time creates the queue's tables

logger = logging.getLogger(__name__)


class QueueUnavailable(RuntimeError):
    """The queue cannot be used with this database; the message says why, in one line."""


class ArticlesFailed(Exception):
    """Some articles of a job could not be extracted or stored; the others were stored.

    The job ends "failed" (kept in ``procrastinate_jobs`` to look at) and is not retried:
    the same text would fail the same way. Running it again by hand is safe.
    """


app = procrastinate.App(connector=procrastinate.PsycopgConnector())
"""The queue's procrastinate app; :func:`open_queue` and :func:`run_worker` connect it to the
store's database."""


def queue_conninfo(url: str | None = None) -> str:
    """The libpq connection string of the store's database (``GEO_DB_URL`` when None).

    Raises
    ------
    QueueUnavailable
        When the store is not on PostgreSQL.
    """
    parsed = make_url(normalise_url(url) if url else database_url())
    if parsed.get_backend_name() != "postgresql":
        raise QueueUnavailable(NEEDS_POSTGRES)
    params: dict[str, Any] = {
        "user": parsed.username,
        "password": parsed.password,
        "host": parsed.host,
        "port": parsed.port,
        "dbname": parsed.database,
    }
    for key, value in parsed.query.items():
        params[key] = value[-1] if isinstance(value, tuple) else value
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


def ensure_schema(conninfo: str) -> bool:
    """Create procrastinate's tables when the database has none; return whether it did."""
    with psycopg.connect(conninfo) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is not None and row[0] is not None:
            return False
        conn.execute(SchemaManager.get_schema())
    return True


def _ensure_schema_or_explain(conninfo: str) -> None:
    """:func:`ensure_schema`, with a database that cannot be reached as one line."""
    try:
        ensure_schema(conninfo)
    except psycopg.OperationalError as error:
        first = (str(error).strip().splitlines() or [""])[0]
        raise QueueUnavailable(f"cannot reach the queue's database: {first}") from error


# --- enqueueing ---------------------------------------------------------------------------------


def article_payload(article: Article) -> JSONDict:
    """An article as a job carries it: JSON with the published date in ISO form."""
    return {
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "published": article.published.isoformat() if article.published else None,
        "url": article.url,
        "text": article.text,
        "lang": article.lang,
    }


def article_from_payload(payload: dict[str, Any]) -> Article:
    """Rebuild a job's article; its id is recomputed from its text, not taken on trust."""
    published = payload.get("published")
    return Article(
        id=article_id(payload["text"]),
        title=payload.get("title") or "",
        source=payload.get("source"),
        published=dt.date.fromisoformat(published) if published else None,
        url=payload.get("url"),
        text=payload["text"],
        lang=payload.get("lang"),
    )


def job_batches(articles: Sequence[Article]) -> list[list[Article]]:
    """Split articles into jobs of at most :data:`JOB_ARTICLES` and :data:`JOB_TEXT_BYTES`."""
    batches: list[list[Article]] = []
    size = 0
    for article in articles:
        length = len(article.text.encode("utf-8"))
        if not batches or len(batches[-1]) >= JOB_ARTICLES or size + length > JOB_TEXT_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(article)
        size += length
    return batches


class Enqueuer:
    """A pipeline sink (:data:`geo.ingest.pipeline.Sink`): each call defers its articles as
    jobs, all in one statement; ``jobs`` lists the ids of the jobs deferred so far."""

    def __init__(self, queue_app: procrastinate.App) -> None:
        self.app = queue_app
        self.jobs: list[int] = []

    def __call__(self, articles: list[Article]) -> None:
        payloads: list[JSONDict] = [
            {"articles": [article_payload(a) for a in batch]} for batch in job_batches(articles)
        ]
        if payloads:
            self.jobs.extend(ingest_articles.batch_defer(*payloads))


@contextlib.contextmanager
def open_queue(url: str | None = None) -> Iterator[Enqueuer]:
    """Connect the queue to the store's database (creating its tables if needed) to enqueue.

    Raises
    ------
    QueueUnavailable
        When the store is not on PostgreSQL.
    """
    conninfo = queue_conninfo(url)
    _ensure_schema_or_explain(conninfo)
    connector = procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=2)
    with app.replace_connector(connector):
        app.open()
        try:
            yield Enqueuer(app)
        finally:
            app.close()


# --- working ------------------------------------------------------------------------------------


@dataclass
class WorkerReport:
    """What one worker run did: jobs finished, articles by outcome, and jobs put off by a
    database error (to be tried again)."""

    jobs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    def summary(self) -> str:
        """One line, as ``ingest`` prints it, after the number of jobs (and of job errors)."""
        o = self.outcomes
        errors = f", {self.errors} jobs to try again" if self.errors else ""
        return (
            f"{self.jobs} jobs: {o['stored']} stored, {o['new-version']} new versions, "
            f"{o['duplicate']} duplicates, {o['failed']} failed{errors}"
        )

    @property
    def ok(self) -> bool:
        """Whether every job ran and every article of them was stored."""
        return not self.errors and not self.outcomes["failed"]


@dataclass
class _Worker:
    """What a worker process's jobs share: the store, the extraction pool and the report."""

    store: Store
    pool: ExtractionPool
    report: WorkerReport = field(default_factory=WorkerReport)
    lock: threading.Lock = field(default_factory=threading.Lock)


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _current_worker() -> _Worker:
    """This process's worker state; built from ``GEO_DB_URL`` when a job runs without one (as
    under the ``procrastinate worker`` command)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            from geo.places.layers import load_gazetteer

            extractor = Extractor.from_gazetteer(load_gazetteer())
            _worker = _Worker(Store(None), ExtractionPool(extractor, 1))
        return _worker


@app.task(name="ingest_articles", queue=QUEUE, retry=RETRY, pass_context=True)
def ingest_articles(context: JobContext, articles: list[dict[str, Any]]) -> dict[str, int]:
    """Extract and store a job's articles in one transaction; return the count per outcome.

    A database that went away raises (the job is retried); an article that cannot be extracted
    or stored is a failure of its own, after the others are stored, and fails the job.
    """
    worker = _current_worker()
    job = context.job.id
    rebuilt = [article_from_payload(payload) for payload in articles]
    try:
        outcomes = _extract_and_store(worker, rebuilt)
    except TRANSIENT as error:
        with worker.lock:
            worker.report.errors += 1
            print(f"error: job {job}: {_problem(error)} (tried again later)", file=sys.stderr)
        raise
    failures = [
        f"{_label(article)}: {_problem(outcome)}"
        for article, outcome in zip(rebuilt, outcomes, strict=True)
        if isinstance(outcome, Exception)
    ]
    counts = Counter("failed" if isinstance(o, Exception) else o.status for o in outcomes)
    with worker.lock:
        worker.report.jobs += 1
        worker.report.outcomes.update(counts)
        for failure in failures:
            print(f"error: job {job}: {failure}", file=sys.stderr, flush=True)
        print(f"job {job}: {_counts_line(counts)}", flush=True)
    if failures:
        raise ArticlesFailed(f"{len(failures)} of {len(rebuilt)} articles failed: {failures[0]}")
    return dict(counts)


def _extract_and_store(worker: _Worker, articles: list[Article]) -> list[IngestOutcome | Exception]:
    """Each article's outcome, or its error; raises only on a database that went away."""
    found = worker.pool.extract([article.text for article in articles])
    ready = [
        (article, result) for article, result in zip(articles, found, strict=True)
        if not isinstance(result, Exception)
    ]  # fmt: skip
    stored: list[IngestOutcome | Exception]
    try:
        stored = list(worker.store.ingest_many([(a, *result) for a, result in ready]))
    except TRANSIENT:
        raise
    except Exception:  # find which article it was: store them one by one
        stored = [_store_one(worker.store, article, *result) for article, result in ready]
    by_article = {id(article): outcome for (article, _), outcome in zip(ready, stored, strict=True)}
    return [
        result if isinstance(result, Exception) else by_article[id(article)]
        for article, result in zip(articles, found, strict=True)
    ]


def _store_one(
    store: Store, article: Article, mentions: list[Mention], places: list[ContextPlace]
) -> IngestOutcome | Exception:
    """Store one article in its own transaction; return its error unless the database failed."""
    try:
        return store.ingest(article, mentions, places)
    except TRANSIENT:
        raise
    except Exception as error:
        return error


async def recover_stalled(queue_app: procrastinate.App, stalled_after: float) -> list[int]:
    """Put back in the queue the jobs of workers silent for ``stalled_after`` seconds.

    Returns the ids of the jobs put back. A job another worker put back first is skipped.
    """
    manager = queue_app.job_manager
    stalled = await manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_after)
    retried: list[int] = []
    for job in stalled:
        try:
            await manager.retry_job(job)
        except ConnectorException:  # no longer "doing": another worker got there first
            continue
        assert job.id is not None
        retried.append(job.id)
    if retried:
        print(f"put back {len(retried)} stalled jobs: {retried}", file=sys.stderr, flush=True)
    return retried


def run_worker(
    extractor: Extractor,
    url: str | None = None,
    *,
    concurrency: int = 1,
    once: bool = False,
    stalled_after: float = STALLED_AFTER,
) -> WorkerReport:
    """Take ingest jobs until stopped (SIGINT, SIGTERM), or until none is left with ``once``.

    Parameters
    ----------
    extractor
        Finds the mentions; with ``concurrency`` above 1, that many processes run it.
    url
        The store's database (``GEO_DB_URL`` when None).
    concurrency
        Jobs at once. Extraction runs on as many processes; storing is one writer at a time.
    once
        Exit when the queue is empty (for cron and tests) instead of waiting for jobs.
    stalled_after
        Seconds without a heartbeat after which a worker's job is put back in the queue. Every
        worker of one database must use the same value: this worker heartbeats every third of it.

    Raises
    ------
    QueueUnavailable
        When the store is not on PostgreSQL.
    """
    global _worker
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    if stalled_after <= 0:
        raise ValueError(f"stalled_after must be positive, got {stalled_after!r}")
    conninfo = queue_conninfo(url)
    _ensure_schema_or_explain(conninfo)
    store = Store(url)
    _shorten_job_logs()
    connector = procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1)
    with (
        store,
        ExtractionPool(extractor, concurrency) as pool,
        app.replace_connector(connector),
    ):
        state = _Worker(store, pool)
        with _worker_lock:
            _worker = state
        try:
            asyncio.run(_work(concurrency=concurrency, once=once, stalled_after=stalled_after))
        finally:
            with _worker_lock:
                _worker = None
    return state.report


async def _work(*, concurrency: int, once: bool, stalled_after: float) -> None:
    """Recover stalled jobs, then run the procrastinate worker (and keep recovering)."""
    async with app.open_async():
        await recover_stalled(app, stalled_after)
        watch = None if once else asyncio.create_task(_keep_recovering(stalled_after))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                wait=not once,
                delete_jobs="successful",
                update_heartbeat_interval=stalled_after / 3,
                stalled_worker_timeout=stalled_after,
            )
        finally:
            if watch is not None:
                watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watch


async def _keep_recovering(stalled_after: float) -> None:
    """Every ``stalled_after`` seconds, put back the jobs of workers that went silent."""
    while True:
        await asyncio.sleep(stalled_after)
        try:
            await recover_stalled(app, stalled_after)
        except Exception:  # the database may be away for a while: try again next time
            logger.warning("could not look for stalled jobs", exc_info=True)


class _ShortMessages(logging.Filter):
    """Cut long log lines: procrastinate's job lines quote the job's arguments, whole articles."""

    limit = 300

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > self.limit:
            record.msg, record.args = message[: self.limit] + "…", ()
        return True


def _shorten_job_logs() -> None:
    """Keep the worker's log lines short (once per process)."""
    worker_logger = logging.getLogger("procrastinate.worker")
    if not any(isinstance(f, _ShortMessages) for f in worker_logger.filters):
        worker_logger.addFilter(_ShortMessages())


def _counts_line(counts: Counter[str]) -> str:
    return (
        f"{counts['stored']} stored, {counts['new-version']} new versions, "
        f"{counts['duplicate']} duplicates, {counts['failed']} failed"
    )


def _label(article: Article) -> str:
    """How a failure names an article: its URL, else its title, with its id."""
    return f"{article.url or article.title or 'untitled'} ({article.id})"


def _problem(error: Exception) -> str:
    """An error in one line."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
