"""Archive-scale benchmark: ingest, filter changes, map payload, memory, quotes; 1k–100k articles.

For each size (default 1,000, 10,000 and 100,000 articles) and each database (SQLite, and a
throwaway PostgreSQL server started here), the script:

1. generates a JSON Lines archive (fixed seed): six languages, the layers' own aliases, about
   ten mentions per article, dates over 2024–2025, ten sources, speakers and named cities;
2. ingests it through the real path (``ingest_items`` on the archive, extraction on a process
   pool of ``--workers``, 50 articles a transaction) and times it; the baseline is the same
   path one article a transaction in one process, on the first 1,000 articles;
3. runs the app's data path (``geo.web.view.load_map_data`` → ``draw`` → the strings
   ``st_folium`` sends) in a process of its own, for five date ranges, each location and five
   sources, and opens each place's first page of quotes; it reports median server time per
   kind of filter change, the largest map element in bytes, the time to open quotes, and the
   process's peak RSS;
4. runs the newcomer's approach in another process as the baseline: every mention of the
   filter into pandas (``Store.mentions``), joined in pandas, one folium Marker with a popup
   per mention (beyond 20,000 markers their cost is measured on 20,000 and scaled).

Then it prints each figure beside its baseline, the growth from 10k to 100k articles, and
PASS/FAIL for the targets (exit status 1 on FAIL). ``--sizes 1000,10000`` for a quicker run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # geo and tests.pg

SEED = 20241001
FIRST_DAY, LAST_DAY = dt.date(2024, 1, 1), dt.date(2025, 12, 31)
NAIVE_MARKER_CAP = 20_000
BASELINE_INGEST = 1_000
TARGETS = {
    "ingest_per_s": 300.0,  # at the largest size, at least
    "filter_ms": 300.0,  # at most
    "quotes_ms": 200.0,
    "payload_mb": 1.5,
    "rss_mb": 1024.0,
}
SOURCES = (
    "North Wire", "Harbour Post", "Desert Daily", "Crossing News", "Evening Ledger",
    "Border Monitor", "Coast Herald", "Morning Dispatch", "Valley Times", "Field Report",
)  # fmt: skip
SPEAKERS = {
    "en": ("Netanyahu's office", "Hamas", "Egypt's foreign ministry", "a US official",
           "Qatari mediators", "the army"),
    "fr": ("le bureau de Netanyahu", "le Hamas", "l'Égypte", "un responsable américain"),
    "it": ("l'ufficio di Netanyahu", "Hamas", "l'Egitto", "i mediatori qatarioti"),
    "de": ("Netanjahus Büro", "die Hamas", "Ägypten", "ein US-Beamter"),
    "ar": ("مكتب نتنياهو", "حماس", "مصر", "الوسطاء القطريون"),
    "he": ("לשכת נתניהו", "חמאס", "מצרים", "גורם אמריקני"),
}  # fmt: skip
PLACE_SENTENCES = {
    "en": (
        "Trucks queued for hours at the {place} on {day}.",
        "Troops were seen along the {place} early on {day}, {speaker} said.",
        "The {place} remained the main sticking point in the talks, {speaker} said.",
        "Aid groups asked for the {place} to reopen before {day}.",
        "Satellite images showed new earthworks beside the {place}.",
    ),
    "fr": (
        "Des camions attendaient au {place} depuis {day}.",
        "Le {place} reste au cœur des négociations, selon {speaker}.",
        "Des habitants ont vu des blindés près du {place} {day}.",
    ),
    "it": (
        "Decine di camion sono rimasti in coda al {place} {day}.",
        "Il {place} resta il nodo dei negoziati, secondo {speaker}.",
    ),
    "de": (
        "Lastwagen warteten am {place} seit {day}.",
        "Der {place} bleibt der Knackpunkt der Gespräche, sagte {speaker}.",
    ),
    "ar": (
        "قالت {speaker} إن {place} بقي مغلقا يوم {day}.",
        "انتظرت شاحنات المساعدات عند {place} لساعات.",
    ),
    "he": (
        "לדברי {speaker}, {place} נותר סגור ביום {day}.",
        "משאיות סיוע המתינו ליד {place} במשך שעות.",
    ),
}
PLAIN_SENTENCES = {
    "en": (
        "Negotiators met again in Cairo without announcing progress.",
        "Power cuts lasted most of the night in Gaza City and Khan Younis.",
        "Officials in Doha said a new proposal would be sent within days.",
        "Hospitals reported shortages of fuel and medicine.",
    ),
    "fr": (
        "Les négociateurs se sont revus au Caire sans annoncer de progrès.",
        "Les hôpitaux signalent un manque de carburant à Gaza.",
    ),
    "it": ("I negoziatori si sono incontrati di nuovo a Doha.",),
    "de": ("Die Unterhändler trafen sich erneut in Kairo.",),
    "ar": ("واجتمع المفاوضون مجددا في القاهرة.",),
    "he": ("המשא ומתן נמשך בקהיר.",),
}
DAYS = {
    "en": ("Monday", "Tuesday", "Friday"), "fr": ("lundi", "mardi", "vendredi"),
    "it": ("lunedì", "martedì"), "de": ("Montag", "Dienstag"),
    "ar": ("الاثنين", "الثلاثاء"), "he": ("שני", "שלישי"),
}  # fmt: skip
LANG_WEIGHTS = {"en": 0.5, "fr": 0.12, "it": 0.1, "de": 0.1, "ar": 0.1, "he": 0.08}


# --- corpus ---------------------------------------------------------------------------------


def write_corpus(path: Path, count: int, seed: int = SEED) -> None:
    """Write ``count`` generated articles as JSON Lines (one record per line)."""
    from geo.places import load_gazetteer

    names = _names_by_lang(load_gazetteer())
    rng = random.Random(seed)
    langs, weights = list(LANG_WEIGHTS), list(LANG_WEIGHTS.values())
    span = (LAST_DAY - FIRST_DAY).days
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for number in range(count):
            lang = rng.choices(langs, weights)[0]
            sentences = [rng.choice(PLAIN_SENTENCES[lang]) for _ in range(rng.randint(1, 3))]
            for _ in range(rng.randint(8, 12)):
                sentence = rng.choice(PLACE_SENTENCES[lang]).format(
                    place=rng.choice(names[lang]),
                    day=rng.choice(DAYS[lang]),
                    speaker=rng.choice(SPEAKERS[lang]),
                )
                sentences.insert(rng.randrange(len(sentences) + 1), sentence)
            record = {
                "title": f"Gaza briefing {number + 1}",
                "source": rng.choice(SOURCES),
                "published": (FIRST_DAY + dt.timedelta(days=rng.randrange(span + 1))).isoformat(),
                "url": f"https://news.invalid/briefing/{number + 1}",
                "text": f"{' '.join(sentences)} Ref {number}.",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(path)  # complete files only: a corpus is reused by later runs with --keep


def _names_by_lang(gazetteer: Any) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {lang: [] for lang in PLACE_SENTENCES}
    for alias in gazetteer.aliases:
        if alias.lang in names:
            names[alias.lang].append(alias.name)
    return names


# --- databases ------------------------------------------------------------------------------


@contextmanager
def databases(kinds: Sequence[str], folder: Path, pg_url: str | None) -> Iterator[dict[str, Any]]:
    """Yield a factory per database kind: name → a URL of a new empty database."""
    factories: dict[str, Callable[[str], str]] = {}
    if "sqlite" in kinds:
        factories["sqlite"] = lambda name: f"sqlite:///{folder / name}.db"
    if "postgresql" not in kinds:
        yield factories
        return
    from tests.conftest import _create_database

    if pg_url:
        factories["postgresql"] = lambda name: _create_database(pg_url, name)
        yield factories
        return
    from tests import pg

    bindir = pg.find_bindir()
    if bindir is None:
        raise SystemExit("error: PostgreSQL (initdb, pg_ctl) not found; use --db sqlite")
    with pg.postgres_server(bindir) as server:
        factories["postgresql"] = lambda name: _create_database(server, name)
        yield factories


# --- ingest -----------------------------------------------------------------------------------


def ingest(url: str, corpus: Path, workers: int, batch_size: int) -> tuple[float, int, int]:
    """Ingest the archive into ``url``; return (seconds, articles, mentions)."""
    from geo.extract import Extractor
    from geo.ingest.pipeline import ingest_items
    from geo.places import load_gazetteer
    from geo.store import Store

    extractor = Extractor.from_gazetteer(load_gazetteer())
    with Store(url) as store:
        started = time.perf_counter()
        report = ingest_items(store, extractor, [str(corpus)], workers=workers,
                              batch_size=batch_size)  # fmt: skip
        seconds = time.perf_counter() - started
        if report.failures:
            raise RuntimeError(f"ingest failed: {report.failures[:3]!r}")
        mentions = int(store.location_stats()["count"].sum())
        return seconds, store.count_articles(), mentions


# --- probes (each in a process of its own, for its peak RSS) --------------------------------


def probe_app(url: str) -> dict[str, Any]:
    """Time the app's data path for each kind of filter change and for opening quotes."""
    from geo.maps import draw
    from geo.maps.assets import served_assets
    from geo.maps.mapview import quote_html
    from geo.places import load_gazetteer
    from geo.store import Store
    from geo.web.view import ViewFilter, load_map_data, load_quotes

    gazetteer, assets = load_gazetteer(), served_assets()
    store = Store(url)
    sizes: list[int] = []

    def change(view: ViewFilter) -> float:
        started = time.perf_counter()
        data = load_map_data(store, gazetteer, view)
        fmap = draw(data.located, gazetteer, assets, context_places=data.places)
        sizes.append(map_payload_bytes(fmap))
        return (time.perf_counter() - started) * 1000

    change(ViewFilter())  # the first run of a server process: imports and caches warm
    figures = {kind: [change(view) for view in views] for kind, views in filter_views().items()}
    quote_ms = []
    for location in gazetteer.location_ids():
        started = time.perf_counter()
        quotes, _, _ = load_quotes(store, location, ViewFilter())
        "".join(quote_html(quote) for quote in quotes)
        quote_ms.append((time.perf_counter() - started) * 1000)
    return {
        "filter_ms": {kind: statistics.median(times) for kind, times in figures.items()},
        "quotes_ms": max(quote_ms),
        "payload_bytes": max(sizes),
        "rss_mb": peak_rss_mb(),
    }


def probe_naive(url: str) -> dict[str, Any]:
    """The newcomer's approach: every mention into pandas, one marker and popup per mention."""
    import folium

    from geo.maps import locate
    from geo.maps.join import quote_records
    from geo.maps.mapview import escape_text, quote_html
    from geo.places import load_gazetteer
    from geo.store import Store
    from geo.web.view import ViewFilter

    gazetteer = load_gazetteer()
    store = Store(url)
    points = {
        row.location_id: (row.geometry.representative_point().y,
                          row.geometry.representative_point().x)
        for row in gazetteer.features.itertuples()
    }  # fmt: skip
    sizes: list[int] = []
    frames: dict[str, Any] = {}

    def change(view: ViewFilter) -> float:
        started = time.perf_counter()
        mentions = store.mentions(**view.everything())
        locate(mentions, gazetteer, as_of=view.until)
        loaded = time.perf_counter() - started
        fmap = folium.Map(location=(31.4, 34.4), zoom_start=10, tiles=None)
        shown = mentions.iloc[:NAIVE_MARKER_CAP]
        started = time.perf_counter()
        for row in shown.itertuples(index=False):
            popup = folium.Popup(f"<b>{escape_text(row.title)}</b><br>{escape_text(row.sentence)}")
            folium.Marker(points[row.location_id], popup=popup).add_to(fmap)
        payload = map_payload_bytes(fmap)
        drawn = time.perf_counter() - started
        scale = len(mentions) / len(shown) if len(shown) else 1.0
        sizes.append(int(payload * scale))
        frames["last"] = mentions
        return (loaded + drawn * scale) * 1000

    change(ViewFilter())
    figures = {kind: change(views[0]) for kind, views in filter_views().items()}
    quote_ms = []
    for location in gazetteer.location_ids()[:2]:
        started = time.perf_counter()
        mentions = store.mentions(location_ids=[location])
        "".join(quote_html(quote) for quote in quote_records(mentions))
        quote_ms.append((time.perf_counter() - started) * 1000)
    return {
        "filter_ms": figures,
        "quotes_ms": max(quote_ms),
        "payload_bytes": max(sizes),
        "rss_mb": peak_rss_mb(),
    }


def filter_views() -> dict[str, list[Any]]:
    """Five filters of each kind a reader changes: a date range, one location, one source."""
    from geo.places import load_gazetteer
    from geo.web.view import ViewFilter

    ranges = [
        ViewFilter(since=FIRST_DAY + dt.timedelta(days=d), until=FIRST_DAY + dt.timedelta(d + 90))
        for d in (0, 150, 300, 450, 600)
    ]
    locations = [ViewFilter(locations=(loc,)) for loc in load_gazetteer().location_ids()]
    sources = [ViewFilter(sources=(source,)) for source in SOURCES[:5]]
    return {"date range": ranges, "one location": locations[:5], "one source": sources}


def map_payload_bytes(fmap: Any) -> int:
    """Bytes of the map element ``st_folium`` sends: the map's script, HTML and header."""
    from streamlit_folium import _get_header, _get_html, _get_map_string

    fmap.render()
    parts = (_get_html(fmap), _get_header(fmap), _get_map_string(fmap))
    return sum(len((part or "").encode("utf-8")) for part in parts)


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def probe_real_app(url: str, folder: Path) -> dict[str, Any]:
    """Start the real app on ``url``; time location changes to the map; read its peak RSS.

    One session (Streamlit's websocket protocol, ``tests/streamlit_client.py``): the first run,
    then one change to each location (each new to the server's caches). Measured: seconds from
    sending the change to the ``st_folium`` element's arrival, that element's protobuf size,
    and the server's VmHWM (peak resident memory) at the end.
    """
    import asyncio

    from bench_load import SERVER_ENV, _change, _first_run, _server_pid

    from tests.appserver import running_app
    from tests.streamlit_client import StreamlitSession, is_component

    async def drive(base_url: str) -> tuple[list[float], list[int]]:
        async with StreamlitSession(base_url, timeout=300) as session:
            widget_id, options = await _first_run(session, 600)
            times, sizes = [], []
            for choice in options:
                result = await _change(session, widget_id, choice)
                times.append((result.marked or result.finished) * 1000)
                sizes.extend(e.ByteSize() for e in result.elements if is_component(e, "st_folium"))
            return times, sizes

    with running_app(url, folder / "bench-scale-app.log", env=SERVER_ENV) as base_url:
        pid = _server_pid()
        times, sizes = asyncio.run(drive(base_url))
        status = Path(f"/proc/{pid}/status").read_text()
    peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    return {
        "location_ms": statistics.median(times),
        "payload_bytes": max(sizes),
        "rss_mb": peak_kb / 1024,
    }


def run_probe(mode: str, url: str) -> dict[str, Any]:
    """Run a probe in a fresh Python process; return its figures."""
    done = subprocess.run(
        [sys.executable, __file__, "--probe", mode, "--db-url", url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{mode} probe failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --- report -----------------------------------------------------------------------------------


def measure(size: int, kind: str, new_db: Callable[[str], str], folder: Path,
            workers: int) -> dict[str, Any]:  # fmt: skip
    """Every figure for one size on one database."""
    corpus = folder / f"corpus-{size}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, size)
    baseline_corpus = folder / f"corpus-{size}-head.jsonl"
    with corpus.open(encoding="utf-8") as lines, baseline_corpus.open("w", encoding="utf-8") as out:
        for _, line in zip(range(BASELINE_INGEST), lines, strict=False):
            out.write(line)
    base_s, base_n, _ = ingest(new_db(f"{kind}_base_{size}"), baseline_corpus, 1, 1)
    url = new_db(f"{kind}_scale_{size}")
    seconds, articles, mentions = ingest(url, corpus, workers, 50)
    return {
        "size": size,
        "db": kind,
        "articles": articles,
        "mentions": mentions,
        "ingest_per_s": articles / seconds,
        "ingest_base_per_s": base_n / base_s,
        "app": run_probe("app", url),
        "naive": run_probe("naive", url),
        "real_app": probe_real_app(url, folder),
    }


def print_result(r: dict[str, Any]) -> None:
    app, naive = r["app"], r["naive"]
    print(f"\n== {r['db']}: {r['articles']:,} articles, {r['mentions']:,} mentions ==", flush=True)
    rows = [
        ("ingest, articles/s", r["ingest_per_s"], r["ingest_base_per_s"], "higher"),
        *[
            (
                f"filter change, {kind}, ms",
                app["filter_ms"][kind],
                naive["filter_ms"][kind],
                "lower",
            )
            for kind in app["filter_ms"]
        ],
        ("map element, KB", app["payload_bytes"] / 1e3, naive["payload_bytes"] / 1e3, "lower"),
        ("open a place's quotes, ms", app["quotes_ms"], naive["quotes_ms"], "lower"),
        ("peak RSS of the app process, MB", app["rss_mb"], naive["rss_mb"], "lower"),
    ]
    print(f"  {'figure':36} {'this':>12} {'baseline':>12} {'ratio':>9}")
    for name, value, base, better in rows:
        ratio = (value / base if better == "higher" else base / value) if value and base else 0
        print(f"  {name:36} {value:12,.1f} {base:12,.1f} {ratio:8.1f}×")
    real = r.get("real_app")
    if real:
        print(
            f"  the real app (streamlit run app.py, one session): a location change reaches the "
            f"map in {real['location_ms']:,.0f} ms (median), map element "
            f"{real['payload_bytes'] / 1e3:,.1f} KB, server peak RSS {real['rss_mb']:,.0f} MB"
        )


def check(results: list[dict[str, Any]]) -> list[str]:
    """Return the targets missed (empty when all are met)."""
    misses = []
    by_db: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_db.setdefault(r["db"], []).append(r)
        app = r["app"]
        where = f"{r['db']} {r['articles']:,}"
        if app["payload_bytes"] / 1e6 > TARGETS["payload_mb"]:
            misses.append(f"{where}: map element {app['payload_bytes']:,} bytes > 1.5 MB")
        for probe in ("app", "real_app"):
            if probe in r and r[probe]["rss_mb"] > TARGETS["rss_mb"]:
                misses.append(f"{where}: {probe} RSS {r[probe]['rss_mb']:.0f} MB > 1 GB")
        if "real_app" in r and r["real_app"]["payload_bytes"] / 1e6 > TARGETS["payload_mb"]:
            misses.append(f"{where}: real app map element > 1.5 MB")
        worst = max(app["filter_ms"].values())
        if worst > TARGETS["filter_ms"]:
            misses.append(f"{where}: filter change {worst:.0f} ms > 300 ms")
        if app["quotes_ms"] > TARGETS["quotes_ms"]:
            misses.append(f"{where}: quotes {app['quotes_ms']:.0f} ms > 200 ms")
    for db, runs in by_db.items():
        largest = max(runs, key=lambda r: r["size"])
        if largest["size"] >= 100_000 and largest["ingest_per_s"] < TARGETS["ingest_per_s"]:
            misses.append(f"{db}: ingest {largest['ingest_per_s']:.0f} articles/s < 300")
        misses.extend(growth(runs))
    return misses


def growth(runs: list[dict[str, Any]]) -> list[str]:
    """Print how each figure grows between the two largest sizes; flag worse than linear."""
    runs = sorted(runs, key=lambda r: r["size"])
    if len(runs) < 2:
        return []
    small, large = runs[-2], runs[-1]
    factor = large["articles"] / small["articles"]
    figures = {
        "ingest seconds per article": (1 / large["ingest_per_s"], 1 / small["ingest_per_s"]),
        **{
            f"filter change, {k}": (large["app"]["filter_ms"][k], small["app"]["filter_ms"][k])
            for k in large["app"]["filter_ms"]
        },
        "map element bytes": (large["app"]["payload_bytes"], small["app"]["payload_bytes"]),
        "open quotes": (large["app"]["quotes_ms"], small["app"]["quotes_ms"]),
        "peak RSS": (large["app"]["rss_mb"], small["app"]["rss_mb"]),
    }
    print(f"\n  growth on {large['db']}, {small['articles']:,} → {large['articles']:,} articles "
          f"(×{factor:.0f}); linear allows ×{factor:.0f}:")  # fmt: skip
    misses = []
    for name, (big, little) in figures.items():
        ratio = big / little if little else 0.0
        print(f"    {name:34} ×{ratio:.2f}")
        if ratio > factor:
            misses.append(f"{large['db']}: {name} grew ×{ratio:.1f}, more than ×{factor:.0f}")
    return misses


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="articles per corpus")
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--pg-url", help="a PostgreSQL server to use instead of starting one")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, help="folder to keep corpora and SQLite files in")
    parser.add_argument("--probe", choices=("app", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe:
        probe = probe_app if args.probe == "app" else probe_naive
        print(json.dumps(probe(args.db_url)))
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    kinds = [kind.strip() for kind in args.db.split(",")]
    print(f"cores: {os.cpu_count()}, extraction workers: {args.workers}; sizes {sizes}; {kinds}")
    print("PostgreSQL: a throwaway server with fsync=off (as in the tests)" if
          "postgresql" in kinds and not args.pg_url else "", flush=True)  # fmt: skip
    folder = args.keep or Path(tempfile.mkdtemp(prefix="geo-bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    with databases(kinds, folder, args.pg_url) as factories:
        for kind in kinds:
            for size in sizes:
                result = measure(size, kind, factories[kind], folder, args.workers)
                print_result(result)
                results.append(result)
    misses = check(results)
    (folder / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nfigures kept in {folder / 'results.json'}")
    for miss in misses:
        print(f"FAIL {miss}")
    print("PASS: every target met" if not misses else f"FAIL: {len(misses)} target(s) missed")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
