"""Load benchmark: seconds from a filter change to the updated map, for N concurrent sessions.

Builds a database of generated articles (deterministic seed; a few sentences each naming the
contested places, dated 2024–2025, from ten sources) through the package's ingest path, starts
the real app (``streamlit run app.py``) against it on 127.0.0.1, and drives N sessions at once
through Streamlit's own websocket protocol (see ``tests/streamlit_client.py``), no browser.

Each session opens, lets its first script run finish, finds the "Locations" multiselect in the
elements it received, makes a few unmeasured warm-up changes, waits for every other session, and
then makes ``--changes`` filter changes in a row, each selecting a single location (cycling).
Measured per change: seconds from sending the new widget value until the delta carrying the
``st_folium`` map element arrives (the map as the browser would draw it); the time until
``script_finished`` (the panel and link below the map too) is shown beside it. Sessions send
their next change as soon as the previous run finished (``--think`` adds a pause), so N is
also the number of changes in flight. The same run measures N = 1 first as the baseline.

Run: ``.venv/bin/python bench/bench_load.py`` (``--help`` for options). Exit status 1 when the
target (p95 < 1.5 s at N = 20) is missed or a session fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # geo and tests.appserver

from geo.extract.mentions import Extractor
from geo.ingest.articles import article_from_text
from geo.ingest.pipeline import ingest_article
from geo.model import Article
from geo.places.layers import Gazetteer, load_gazetteer
from geo.store.database import Store
from tests.appserver import running_app
from tests.streamlit_client import RunResult, StreamlitSession, string_array_state

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LOG = REPO_ROOT / "var" / "bench-load-streamlit.log"
SERVER_ENV = {  # as deployed (deploy/streamlit-team.toml): no reloading of changed sources
    "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    "STREAMLIT_SERVER_RUN_ON_SAVE": "false",
}
TARGET_P95_S = 1.5
TARGET_SESSIONS = 20
MIN_ARTICLES = 500
MAP_COMPONENT = "st_folium"
LOCATIONS_LABEL = "Locations"

SOURCES = (
    "North Wire", "Harbour Post", "Desert Daily", "Crossing News", "Evening Ledger",
    "Border Monitor", "Coast Herald", "Morning Dispatch", "Valley Times", "Field Report",
)  # fmt: skip
SPEAKERS = (
    "a military spokesman", "the health ministry", "a senior negotiator", "aid officials",
    "the prime minister's office", "a local council member", "the foreign minister",
)  # fmt: skip
PLACE_SENTENCES = {
    "en": (
        "Trucks queued for hours near the {place} on {day}.",
        "Troops were seen moving along the {place} early on {day}, residents said.",
        "The {place} was the main sticking point in the talks, {speaker} said.",
        "Aid groups asked for the {place} to reopen before {day}.",
        "Satellite images showed new earthworks beside the {place}.",
    ),
    "fr": (
        "Des camions attendaient près du {place} depuis {day}.",
        "Le {place} reste au cœur des négociations, selon {speaker}.",
        "Des habitants ont vu des blindés le long du {place}.",
    ),
}
PLAIN_SENTENCES = {
    "en": (
        "Negotiators met again in the evening without announcing progress.",
        "Power cuts lasted most of the night in several districts.",
        "Prices at the market rose for the third week running.",
        "Officials said a new proposal would be sent within days.",
        "Hospitals reported shortages of fuel and medicine.",
        "Families returned to damaged homes to collect belongings.",
    ),
    "fr": (
        "Les négociateurs se sont revus dans la soirée sans annoncer de progrès.",
        "Les coupures de courant ont duré une grande partie de la nuit.",
        "Les hôpitaux signalent un manque de carburant et de médicaments.",
    ),
}
DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
FIRST_DAY, LAST_DAY = dt.date(2024, 1, 1), dt.date(2025, 12, 31)


class SessionFailure(RuntimeError):
    """A script run did not end with the map drawn."""


@dataclass(frozen=True)
class Level:
    """The measured changes of one level of concurrency."""

    sessions: int
    to_map: list[float]
    to_finish: list[float]
    wall: float
    failures: list[str]


def generate_articles(count: int, gazetteer: Gazetteer, seed: int) -> list[Article]:
    """Return ``count`` generated articles: 3–8 sentences, one to three naming a place."""
    rng = random.Random(seed)
    names = _names_by_lang(gazetteer)
    span = (LAST_DAY - FIRST_DAY).days
    articles = []
    for number in range(count):
        lang = "fr" if rng.random() < 0.2 else "en"
        sentences = [rng.choice(PLAIN_SENTENCES[lang]) for _ in range(rng.randint(2, 5))]
        for _ in range(rng.randint(1, 3)):
            template = rng.choice(PLACE_SENTENCES[lang])
            sentence = template.format(
                place=rng.choice(names[lang]),
                day=rng.choice(DAYS[lang]),
                speaker=rng.choice(SPEAKERS),
            )
            sentences.insert(rng.randrange(len(sentences) + 1), sentence)
        articles.append(
            article_from_text(
                " ".join(sentences),
                title=f"Gaza briefing {number + 1}",
                source=rng.choice(SOURCES),
                published=FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1)),
                url=f"https://news.invalid/briefing/{number + 1}",
                lang=lang,
            )
        )
    return articles


def _names_by_lang(gazetteer: Gazetteer) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {lang: [] for lang in PLACE_SENTENCES}
    for alias in gazetteer.aliases:
        if alias.lang in names and alias.name[:1].isupper():  # proper names read well mid-sentence
            names[alias.lang].append(alias.name)
    missing = [lang for lang, found in names.items() if not found]
    if missing:
        raise RuntimeError(f"the gazetteer has no capitalised names in {missing!r}")
    return names


def build_database(url: str, count: int, seed: int) -> tuple[int, int]:
    """Ingest the generated articles into ``url``; return (articles, mentions) stored there."""
    gazetteer = load_gazetteer()
    extractor = Extractor.from_gazetteer(gazetteer)
    with Store(url) as store:
        for article in generate_articles(count, gazetteer, seed):
            ingest_article(store, extractor, article)
        articles, mentions = store.count_articles(), len(store.mentions())
    if articles < count:
        raise RuntimeError(f"only {articles!r} articles stored in {_redacted(url)!r}")
    return articles, mentions


async def drive_session(
    base_url: str,
    index: int,
    args: argparse.Namespace,
    ready: asyncio.Barrier,
) -> list[RunResult]:
    """One session: first run, warm-up changes, then the measured changes.

    A session that fails before the measured changes breaks ``ready`` so nobody waits for it.
    """
    rng = random.Random(args.seed * 1000 + index)
    measured: list[RunResult] = []
    async with StreamlitSession(base_url, timeout=args.timeout) as session:
        try:
            widget_id, options = await _first_run(session, args.first_timeout)
            for step in range(args.warmup):
                await _change(session, widget_id, options[(index + step + 1) % len(options)])
            await _wait(ready, args.first_timeout)
        except BaseException:
            await ready.abort()
            raise
        for step in range(args.warmup, args.warmup + args.changes):
            measured.append(
                await _change(session, widget_id, options[(index + step + 1) % len(options)])
            )
            if args.think:
                await asyncio.sleep(rng.uniform(0, 2 * args.think))
    return measured


async def _first_run(session: StreamlitSession, timeout: float) -> tuple[str, list[str]]:
    """Run the page once; return the Locations multiselect's widget id and its options."""
    first = await session.run(mark=MAP_COMPONENT, timeout=timeout)
    _check_run(first, "first run")
    for element in first.widgets("multiselect"):
        if element.multiselect.label == LOCATIONS_LABEL:
            return element.multiselect.id, list(element.multiselect.options)
    raise SessionFailure(f"no {LOCATIONS_LABEL!r} multiselect in the first run")


async def _change(session: StreamlitSession, widget_id: str, choice: str) -> RunResult:
    """Select the single location ``choice`` and read the run it causes."""
    result = await session.run([string_array_state(widget_id, [choice])], mark=MAP_COMPONENT)
    _check_run(result, f"change to {choice!r}")
    return result


def _check_run(result: RunResult, what: str) -> None:
    if result.status != "finished":
        raise SessionFailure(f"{what}: script run ended {result.status!r}")
    if result.exceptions:
        raise SessionFailure(f"{what}: the page raised {result.exceptions[0]!r}")
    if result.marked is None:
        raise SessionFailure(f"{what}: no {MAP_COMPONENT} element in the run")


async def _wait(barrier: asyncio.Barrier, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        await barrier.wait()


async def measure_level(base_url: str, sessions: int, args: argparse.Namespace) -> Level:
    """Drive ``sessions`` sessions at once; collect every measured change."""
    ready = asyncio.Barrier(sessions + 1)
    tasks = [
        asyncio.create_task(drive_session(base_url, index, args, ready))
        for index in range(sessions)
    ]
    with contextlib.suppress(asyncio.BrokenBarrierError):
        await _wait(ready, args.first_timeout + args.warmup * args.timeout)
    started = time.perf_counter()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    wall = time.perf_counter() - started
    runs: list[RunResult] = []
    failures: list[str] = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, BaseException):
            failures.append(f"session {index}: {type(outcome).__name__}: {outcome}")
            continue
        runs.extend(outcome)
    return Level(
        sessions=sessions,
        to_map=[r.marked for r in runs if r.marked is not None],
        to_finish=[r.finished for r in runs],
        wall=wall,
        failures=failures,
    )


def percentile(values: Sequence[float], q: int) -> float:
    """The ``q``-th percentile (linear interpolation between closest ranks)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(levels: list[Level], cores: str) -> bool:
    """Print the table and the verdict; return whether the target was met."""
    base = next((lv for lv in levels if lv.sessions == 1 and lv.to_map), None)
    print(f"cores: {cores}")
    print(
        "measured: seconds from sending a Locations change to the st_folium map delta "
        "(to_finish: to script_finished)"
    )
    print(
        f"{'N':>3} {'changes':>7} {'p50':>6} {'p95':>6} {'max':>6} {'chg/s':>6} "
        f"{'p95/p95(1)':>10} {'finish p50':>10} {'finish p95':>10}"
    )
    for level in levels:
        if not level.to_map:
            print(f"{level.sessions:>3} {'0':>7}  no change measured")
            continue
        p95 = percentile(level.to_map, 95)
        ratio = f"{p95 / percentile(base.to_map, 95):.2f}" if base else "-"
        print(
            f"{level.sessions:>3} {len(level.to_map):>7} {percentile(level.to_map, 50):>6.3f} "
            f"{p95:>6.3f} {max(level.to_map):>6.3f} {len(level.to_map) / level.wall:>6.2f} "
            f"{ratio:>10} {percentile(level.to_finish, 50):>10.3f} "
            f"{percentile(level.to_finish, 95):>10.3f}"
        )
    failures = [f"N={lv.sessions} {f}" for lv in levels for f in lv.failures]
    for failure in failures[:10]:
        print(f"failure: {failure}")
    target = next((lv for lv in levels if lv.sessions == TARGET_SESSIONS), None)
    if target is None:
        print(f"target: not measured (N={TARGET_SESSIONS} not among the levels)")
        return not failures
    p95 = percentile(target.to_map, 95) if target.to_map else float("inf")
    passed = p95 < TARGET_P95_S and not failures
    verdict = "PASS" if passed else "FAIL"
    print(
        f"{verdict}: p95 {p95:.3f} s at N={TARGET_SESSIONS} (target < {TARGET_P95_S} s)"
        + (f", {len(failures)} session failures" if failures else "")
    )
    return passed


async def run_levels(base_url: str, args: argparse.Namespace) -> list[Level]:
    """Measure every level in turn, N = 1 first (the baseline); profile the last if asked."""
    levels = []
    counts = sorted(set(args.sessions) | {1})
    for sessions in counts:
        async with py_spy(args.py_spy if sessions == counts[-1] else None):
            level = await measure_level(base_url, sessions, args)
        print(f"  N={sessions}: {len(level.to_map)} changes in {level.wall:.1f} s", flush=True)
        levels.append(level)
    return levels


@contextlib.asynccontextmanager
async def py_spy(out: Path | None) -> AsyncIterator[None]:
    """Record the app server's stacks while it holds the GIL, with py-spy, during the block."""
    if out is None:
        yield
        return
    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [binary, "record", "--pid", str(_server_pid()), "--gil", "--nonblocking"]
    command += ["--rate", "200", "--format", "raw", "--output", str(out)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await asyncio.sleep(1.0)  # let it attach
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)


def _server_pid() -> int:
    """The streamlit process that running_app started (a child of this one)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            if b"streamlit" in (stat.parent / "cmdline").read_bytes():
                return int(stat.parent.name)
    raise RuntimeError("no streamlit process among this process's children")


_WRAPPERS = (  # frames every script run passes through: not informative
    "Thread.",
    "ScriptRunner._run_script",
    "exec_func_with_error_handling",
    "<module>",
)


def summarize_profile(path: Path, top: int = 12) -> None:
    """Print where the server's GIL time went: app.py and geo lines, then any function."""
    lines: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for row in path.read_text().splitlines():
        stack, _, count = row.rpartition(" ")
        samples = int(count)
        total += samples
        frames = [f.split("site-packages/")[-1] for f in stack.split(";")[1:]]
        for frame in set(frames):
            if "app.py:" in frame or "geo/" in frame:
                lines[frame] += samples
        for name in {f.rsplit(":", 1)[0] + ")" for f in frames}:
            functions[name] += samples
    print(f"profile: {total} samples of the server holding the GIL ({path})")
    for title, counter in (("app.py and geo lines", lines), ("functions", functions)):
        print(f"  {title}, inclusive share of GIL time:")
        shown = [(k, v) for k, v in counter.most_common() if not k.startswith(_WRAPPERS)]
        for frame, samples in shown[:top]:
            print(f"    {samples / max(total, 1):6.1%}  {frame}")


def _redacted(url: str) -> str:
    head, at, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://…@{tail}" if at else url


def _env_line(env: dict[str, str]) -> str:
    return " ".join(f"{name}={value}" for name, value in sorted(env.items()))


def core_count() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{os.cpu_count()} (usable by this process: {usable})"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-url", help="SQLAlchemy URL (default: SQLite in a temporary folder)")
    parser.add_argument("--articles", type=int, default=MIN_ARTICLES)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--changes", type=int, default=10, help="measured changes per session")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured changes per session")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between changes, s")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed per run")
    parser.add_argument("--first-timeout", type=float, default=180.0, help="for first runs")
    parser.add_argument("--seed", type=int, default=20240823)
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server, e.g. STREAMLIT_RUNNER_POST_SCRIPT_GC=false",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="OUT",
        help="record the server with py-spy during the largest N into OUT (raw stacks)",
    )
    parser.add_argument("--log", type=Path, default=DEFAULT_LOG, help="streamlit server log")
    args = parser.parse_args(argv)
    if args.articles < MIN_ARTICLES:
        parser.error(f"--articles must be at least {MIN_ARTICLES}, not {args.articles!r}")
    if any("=" not in item for item in args.server_env):
        parser.error(f"--server-env takes NAME=VALUE, not {args.server_env!r}")
    if min(args.sessions) < 1 or args.changes < 1 or args.warmup < 0:
        parser.error("--sessions and --changes must be positive, --warmup not negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="geo-bench-load-") as tmp:
        url = args.db_url or f"sqlite:///{Path(tmp) / 'load.db'}"
        started = time.perf_counter()
        articles, mentions = build_database(url, args.articles, args.seed)
        print(
            f"database: {_redacted(url).split(':')[0]}, {articles} articles, {mentions} mentions "
            f"(built in {time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        args.log.parent.mkdir(parents=True, exist_ok=True)
        env = SERVER_ENV | dict(item.split("=", 1) for item in args.server_env)
        with running_app(url, args.log, env=env) as base_url:
            print(f"app: {base_url} (log: {args.log}; {_env_line(env)})", flush=True)
            levels = asyncio.run(run_levels(base_url, args))
    passed = report(levels, core_count())
    if args.py_spy and args.py_spy.is_file():
        summarize_profile(args.py_spy)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
