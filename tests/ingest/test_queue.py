"""The ingest queue: ``ingest --queue`` enqueues, ``worker`` processes, each article once.

Workers are real ``python -m geo worker`` processes on a real PostgreSQL server. To catch them
mid-batch, a test holds the store's write lock (the advisory lock every writer takes): a job
then waits inside its transaction, "doing", until the test lets go or kills the worker.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg.conninfo import conninfo_to_dict

from geo.cli.main import main
from geo.extract.mentions import Extractor
from geo.ingest.articles import article_from_text
from geo.ingest.pipeline import ingest_items
from geo.ingest.queue import (
    JOB_ARTICLES,
    NEEDS_POSTGRES,
    QueueUnavailable,
    article_from_payload,
    article_payload,
    job_batches,
    open_queue,
    queue_conninfo,
    run_worker,
)
from geo.model import Alias, Article
from geo.store.database import PG_WRITE_LOCK, Store
from tests.conftest import _create_database

REPO = Path(__file__).resolve().parents[2]
ARTICLES = 200
PLACES = [
    "the Rafah crossing",
    "the Philadelphi Corridor",
    "the Netzarim Corridor",
    "the Kerem Shalom crossing",
]
VERBS = ["reopened", "stayed closed", "was discussed", "saw long queues", "was patrolled"]
JOB_LINE = re.compile(
    r"^job (\d+): (\d+) stored, (\d+) new versions, (\d+) duplicates, (\d+) failed$", re.M
)
_databases = count(1)
_started: list[subprocess.Popen[str]] = []


def generated_text(number: int) -> str:
    """A short made-up report naming one or two places; each number gives a different text."""
    place, other = PLACES[number % 4], PLACES[(number // 4) % 4]
    verb = VERBS[number % 5]
    return (
        f"Report {number}: {place} {verb} on day {number % 28 + 1}, officials said. "
        f"Talks about {other} went on, according to a statement numbered {number * 7}."
    )


def write_archive(path: Path, numbers: range, *, bad_lines: dict[int, str] | None = None) -> Path:
    """A JSON Lines archive of generated articles (a bad line where ``bad_lines`` says)."""
    lines = []
    for number in numbers:
        record = {
            "title": f"Report {number}",
            "text": generated_text(number),
            "url": f"https://wire.example/reports/{number}",
            "source": "Example Wire",
            "published": f"2024-08-{number % 28 + 1:02d}",
        }
        lines.append(json.dumps(record))
    for index, line in sorted((bad_lines or {}).items()):
        lines.insert(index, line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def queue_db(postgres_server_url: str) -> str:
    """The URL of an empty PostgreSQL database for one test."""
    return _create_database(postgres_server_url, f"geo_queue_{os.getpid()}_{next(_databases)}")


def geo_env(url: str) -> dict[str, str]:
    return {**os.environ, "GEO_DB_URL": url, "PYTHONUNBUFFERED": "1"}


def run_geo(url: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        env=geo_env(url),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def geo_cli(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run a command in this process (quicker than a new one): exit status, stdout, stderr."""
    monkeypatch.setenv("GEO_DB_URL", url)
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def start_worker(url: str, *args: str) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "geo", "worker", *args],
        env=geo_env(url),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _started.append(worker)
    return worker


def finish(worker: subprocess.Popen[str], timeout: float = 60) -> tuple[int, str, str]:
    out, err = worker.communicate(timeout=timeout)
    return worker.returncode, out, err


def job_lines(output: str) -> dict[int, Counter[str]]:
    """The worker's per-job lines: job id -> articles by outcome."""
    jobs = {}
    for job, stored, new, duplicate, failed in JOB_LINE.findall(output):
        jobs[int(job)] = Counter(
            stored=int(stored), new=int(new), duplicate=int(duplicate), failed=int(failed)
        )
    return jobs


def jobs_by_status(url: str) -> dict[str, int]:
    with psycopg.connect(queue_conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs "
            "WHERE queue_name = 'ingest' GROUP BY status"
        ).fetchall()
    return {status: n for status, n in rows}


def doing_workers(url: str) -> list[int | None]:
    with psycopg.connect(queue_conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT worker_id FROM procrastinate_jobs WHERE status = 'doing'"
        ).fetchall()
    return [row[0] for row in rows]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    for worker in _started:  # say what the workers said
        if worker.poll() is None:
            worker.kill()
        print(worker.args, worker.communicate())
    raise AssertionError(f"timed out waiting for {what}")


class WriteLock:
    """Hold the store's write lock from outside: every store transaction waits for it."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(queue_conninfo(url), autocommit=True)
        self.conn.execute("SELECT pg_advisory_lock(%s)", (PG_WRITE_LOCK,))

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (PG_WRITE_LOCK,))
            self.conn.close()


def stored_counts(url: str) -> tuple[int, int]:
    """(latest articles, rows in the articles table) of the store."""
    with Store(url) as store, psycopg.connect(queue_conninfo(url)) as conn:
        row = conn.execute("SELECT count(*) FROM articles").fetchone()
        assert row is not None
        return store.count_articles(), int(row[0])


# --- two workers, one queue ----------------------------------------------------------------------


@pytest.mark.postgres
def test_two_workers_store_every_article_exactly_once(
    queue_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    archive = write_archive(tmp_path / "reports.jsonl", range(ARTICLES))
    status, out, err = geo_cli(queue_db, monkeypatch, capsys, "ingest", "--queue", str(archive))
    assert status == 0, err
    jobs = -(-ARTICLES // JOB_ARTICLES)
    assert out == f"{ARTICLES} queued in {jobs} jobs, 0 failed\n"
    assert stored_counts(queue_db) == (0, 0)
    assert jobs_by_status(queue_db) == {"todo": jobs}

    lock = WriteLock(queue_db)  # both workers take a job and wait: they surely overlap
    try:
        workers = [start_worker(queue_db, "--once") for _ in range(2)]
        wait_for(lambda: len(set(doing_workers(queue_db))) == 2, "both workers doing a job")
    finally:
        lock.release()
    results = [finish(worker) for worker in workers]

    per_job: dict[int, Counter[str]] = {}
    for status, out, err in results:
        assert status == 0, err
        assert "error" not in err.lower(), err
        mine = job_lines(out)
        assert mine, f"a worker did no job:\n{out}\n{err}"
        assert not set(mine) & set(per_job), "a job ran on both workers"
        per_job.update(mine)
        assert out.splitlines()[-1].startswith(f"worker: {len(mine)} jobs: ")
    assert len(per_job) == jobs
    total = sum(per_job.values(), Counter())
    assert total == Counter(stored=ARTICLES), total
    assert stored_counts(queue_db) == (ARTICLES, ARTICLES)
    assert jobs_by_status(queue_db) == {}  # every job succeeded (and was deleted)


# --- a worker killed mid-batch -------------------------------------------------------------------


@pytest.mark.postgres
def test_a_worker_killed_mid_batch_loses_nothing(
    queue_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    archive = write_archive(tmp_path / "reports.jsonl", range(ARTICLES))
    assert geo_cli(queue_db, monkeypatch, capsys, "ingest", "--queue", str(archive))[0] == 0
    jobs = -(-ARTICLES // JOB_ARTICLES)

    lock = WriteLock(queue_db)
    try:
        doomed = start_worker(queue_db, "--wait", "--stalled-after", "1")
        wait_for(lambda: len(doing_workers(queue_db)) == 1, "a job in progress")
        doomed.send_signal(signal.SIGKILL)  # extracted, transaction open, nothing committed
        doomed.wait(timeout=10)
    finally:
        lock.release()
    assert jobs_by_status(queue_db) == {"doing": 1, "todo": jobs - 1}
    assert stored_counts(queue_db) == (0, 0)
    time.sleep(1.2)  # the killed worker's last heartbeat is now over a second old

    status, out, err = finish(start_worker(queue_db, "--once", "--stalled-after", "1"))
    assert status == 0, err
    assert "put back 1 stalled jobs" in err
    per_job = job_lines(out)
    assert len(per_job) == jobs
    assert sum(per_job.values(), Counter()) == Counter(stored=ARTICLES)
    assert stored_counts(queue_db) == (ARTICLES, ARTICLES)
    assert jobs_by_status(queue_db) == {}


@pytest.mark.postgres
def test_a_job_run_twice_stores_nothing_twice(
    queue_db: str, extractor: Extractor, capsys: pytest.CaptureFixture[str]
) -> None:
    """At-least-once delivery: the same articles queued again come back as duplicates."""
    articles = [article_from_text(generated_text(n), published="2024-08-01") for n in range(60)]
    for _ in range(2):
        with open_queue(queue_db) as enqueue:
            enqueue(articles)
        assert len(enqueue.jobs) == 2
    report = run_worker(extractor, queue_db, once=True)
    assert report.summary() == "4 jobs: 60 stored, 0 new versions, 60 duplicates, 0 failed"
    assert report.ok
    assert sum(job_lines(capsys.readouterr().out).values(), Counter()) == Counter(
        stored=60, duplicate=60
    )
    assert stored_counts(queue_db) == (60, 60)
    assert jobs_by_status(queue_db) == {}


@pytest.mark.postgres
def test_a_running_worker_takes_over_the_job_of_a_killed_one(
    queue_db: str, extractor: Extractor
) -> None:
    articles = [article_from_text(generated_text(n), published="2024-08-01") for n in range(100)]
    with open_queue(queue_db) as enqueue:
        enqueue(articles)
    Store(queue_db).close()  # the store's tables, made before the workers wait for the lock
    lock = WriteLock(queue_db)
    try:
        # 3 s: a live worker, slowed by a busy machine, is never taken for a dead one
        doomed = start_worker(queue_db, "--wait", "--stalled-after", "3")
        survivor = start_worker(queue_db, "--wait", "--stalled-after", "3")
        wait_for(lambda: len(set(doing_workers(queue_db))) == 2, "both workers doing a job")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        lock.release()
    wait_for(lambda: jobs_by_status(queue_db) == {}, "the survivor to finish both jobs")
    survivor.send_signal(signal.SIGTERM)  # stops after its job, if any, and says what it did
    status, out, err = finish(survivor)
    assert status == 0, err
    assert "put back 1 stalled jobs" in err
    assert (
        out.splitlines()[-1] == "worker: 2 jobs: 100 stored, 0 new versions, 0 duplicates, 0 failed"
    )
    assert stored_counts(queue_db) == (100, 100)


# --- errors --------------------------------------------------------------------------------------


def test_the_queue_refuses_sqlite_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = write_archive(tmp_path / "reports.jsonl", range(3))
    sqlite = f"sqlite:///{tmp_path / 'store.db'}"
    for args in (["ingest", "--queue", str(archive)], ["worker", "--once"]):
        assert geo_cli(sqlite, monkeypatch, capsys, *args) == (1, "", f"error: {NEEDS_POSTGRES}\n")
    done = run_geo(sqlite, "ingest", "--queue", str(archive))  # and from a new process
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"error: {NEEDS_POSTGRES}\n")
    assert not (tmp_path / "store.db").exists()
    with pytest.raises(QueueUnavailable, match="needs PostgreSQL"):
        queue_conninfo(sqlite)


@pytest.mark.postgres
def test_bad_items_fail_with_their_own_lines(
    queue_db: str,
    tmp_path: Path,
    extractor: Extractor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    archive = write_archive(tmp_path / "reports.jsonl", range(5), bad_lines={2: "{not json"})
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n", encoding="utf-8")
    gone = tmp_path / "gone.txt"
    status, out, err = geo_cli(
        queue_db, monkeypatch, capsys, "ingest", "--queue", str(archive), str(gone), str(empty)
    )
    assert status == 1
    errors = err.splitlines()
    assert errors[0].startswith(f"error: {archive}:3: ")
    assert errors[1] == f"error: {gone}: no such file or folder"
    assert errors[2].startswith(f"error: {empty}: ")
    assert len(errors) == 3, err
    assert out == "5 queued in 1 jobs, 3 failed\n"

    assert run_worker(extractor, queue_db, once=True).summary() == (
        "1 jobs: 5 stored, 0 new versions, 0 duplicates, 0 failed"
    )
    assert stored_counts(queue_db) == (5, 5)


# --- in one process ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    """A small extractor: the four places of the generated texts."""
    names = {
        "rafah-crossing": "Rafah crossing",
        "philadelphi-corridor": "Philadelphi Corridor",
        "netzarim-corridor": "Netzarim Corridor",
        "kerem-shalom-crossing": "Kerem Shalom crossing",
    }
    aliases = [Alias(location, "en", name) for location, name in names.items()]
    return Extractor(aliases, {location: "crossing" for location in names})


def test_a_sink_takes_the_completed_articles(tmp_path: Path, extractor: Extractor) -> None:
    archive = write_archive(tmp_path / "reports.jsonl", range(7), bad_lines={3: "[1]"})
    batches: list[list[Article]] = []
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        report = ingest_items(
            store, extractor, [str(archive)], batch_size=3, sink=batches.append,
            published=dt.date(2024, 9, 1),
        )  # fmt: skip
        assert store.count_articles() == 0
    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert [r.status for r in report.records] == ["queued"] * 3 + ["failed"] + ["queued"] * 4
    first = report.records[0]
    assert (first.article_id, first.date_from) == (batches[0][0].id, "archive")
    assert report.summary() == "7 queued, 0 stored, 0 new versions, 0 duplicates, 1 failed"

    def refuse(articles: list[Article]) -> None:
        raise ConnectionError("queue database went away")

    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        refused = ingest_items(store, extractor, [str(archive)], sink=refuse)
    assert refused.count("failed") == 8
    assert "queue database went away" in refused.failures[0]


def test_payloads_round_trip_and_jobs_split_by_count_and_size() -> None:
    article = article_from_text(
        generated_text(1), title="T", source="S", published="2024-08-02", url="https://x.example/1"
    )
    assert article_from_payload(json.loads(json.dumps(article_payload(article)))) == article
    many = [article_from_text(generated_text(n)) for n in range(120)]
    assert [len(b) for b in job_batches(many)] == [50, 50, 20]
    big = Article("big", "Big", None, None, None, "Rafah crossing. " * 400_000)  # 6.4 MB
    assert [len(b) for b in job_batches([big, big, many[0]])] == [1, 2]


def test_conninfo_from_a_store_url() -> None:
    info = queue_conninfo("postgresql://ed:s%20cret@db.internal:5433/maps?sslmode=require")
    assert conninfo_to_dict(info) == {
        "user": "ed",
        "password": "s cret",
        "host": "db.internal",
        "port": "5433",
        "dbname": "maps",
        "sslmode": "require",
    }


@pytest.mark.postgres
def test_a_failing_article_fails_its_job_after_storing_the_others(
    queue_db: str, extractor: Extractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = [article_from_text(generated_text(n), published="2024-08-01") for n in range(4)]
    with open_queue(queue_db) as enqueue:
        enqueue(articles)
    assert len(enqueue.jobs) == 1
    refused = articles[2].id
    ingest_many = Store.ingest_many

    def picky(self: Store, batch: list[tuple[Article, object, object]]) -> object:
        if any(article.id == refused for article, _, _ in batch):
            raise ValueError("mention offsets do not match the text")
        return ingest_many(self, batch)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "ingest_many", picky)
    report = run_worker(extractor, queue_db, once=True)
    assert (report.jobs, dict(report.outcomes)) == (1, {"stored": 3, "failed": 1})
    assert not report.ok
    assert jobs_by_status(queue_db) == {"failed": 1}  # kept, to look at; not retried
    assert stored_counts(queue_db) == (3, 3)


@pytest.mark.postgres
def test_a_database_error_puts_the_job_off_for_later(
    queue_db: str, extractor: Extractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_queue(queue_db) as enqueue:
        enqueue([article_from_text(generated_text(n)) for n in range(3)])

    def gone(self: Store, batch: object) -> object:
        raise sa.exc.OperationalError("INSERT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(Store, "ingest_many", gone)
    report = run_worker(extractor, queue_db, once=True)
    assert report.summary() == (
        "0 jobs: 0 stored, 0 new versions, 0 duplicates, 0 failed, 1 jobs to try again"
    )
    assert not report.ok
    with psycopg.connect(queue_conninfo(queue_db)) as conn:
        row = conn.execute(
            "SELECT status::text, attempts, scheduled_at > now() FROM procrastinate_jobs"
        ).fetchone()
    assert row == ("todo", 1, True)
    monkeypatch.undo()
    assert stored_counts(queue_db) == (0, 0)


def test_worker_options_are_checked(
    extractor: Extractor, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        run_worker(extractor, "postgresql://nowhere/none", concurrency=0)
    for option, value in (("--stalled-after", "0"), ("--concurrency", "none")):
        with pytest.raises(SystemExit) as stopped:
            main(["worker", option, value])
        assert stopped.value.code == 2
        assert f"{value!r}" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_the_worker_unit_runs_a_worker_and_passes_systemd_analyze(tmp_path: Path) -> None:
    unit = (REPO / "deploy" / "contested-map-worker@.service").read_text(encoding="utf-8")
    assert "\nExecStart=/srv/contested-map/.venv/bin/python -m geo worker\n" in unit
    assert re.search(r"^User=(?!root$)\w+$", unit, re.MULTILINE)
    local = unit.replace("/srv/contested-map/.venv/bin/python", sys.executable)
    (tmp_path / "contested-map-worker@.service").write_text(local, encoding="utf-8")
    verified = subprocess.run(  # a template is verified through an instance of it
        ["systemd-analyze", "verify", str(tmp_path / "contested-map-worker@1.service")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr


@pytest.fixture(autouse=True)
def _no_stray_workers() -> Iterator[None]:
    """Kill any worker a failing test left running."""
    yield
    while _started:
        worker = _started.pop()
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
