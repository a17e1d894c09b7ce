"""Ingest benchmark: articles per second through the whole ingest path, against store-only ingest.

Generates (deterministically) a corpus of articles a few kB long in English, French and Arabic,
with names of the shipped contested places among plain sentences, and a closing agency tag on
some. The whole path is :func:`geo.ingest.ingest_items` on a folder of ``.txt`` files (read,
decode, clean, extract mentions, store) into a fresh SQLite store in a temporary folder; a JSON
Lines archive of the same corpus is timed too. The baseline, in the same run, is store-only
ingest: ``Store.ingest`` of articles and mentions prepared beforehand. Runs are interleaved,
each on a fresh database; the median wall time is reported, with CPU time beside it (the store
commits each article, so wall time depends on the disk).
Run: ``.venv/bin/python bench/bench_ingest.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.cli.services import extractor as shipped_extractor
from geo.cli.services import gazetteer
from geo.extract.mentions import Extractor
from geo.ingest.articles import article_from_text
from geo.ingest.pipeline import ingest_items
from geo.model import Article, Mention
from geo.store.database import Store

WORDS = {
    lang: words.split()
    for lang, words in {
        "en": (
            "the of and to in a is that for on with as was by at from it his were are which this "
            "has had not but they have been their after said one also about government talks "
            "security minister ceasefire border aid trucks hostages week negotiators proposal "
            "statement officials military city people water night market report during forces"
        ),
        "fr": (
            "le la les de des du et en un une est que pour dans sur par avec au aux il elle ont "
            "été gouvernement frontière aide camions otages semaine négociations accord ministre "
            "sécurité ville habitants nuit rapport pendant contre armée"
        ),
        "ar": (
            "في من على إلى أن عن مع هذا التي الذي كان قال الحكومة الحدود المساعدات الشاحنات "
            "الرهائن الأسبوع المفاوضات الاتفاق الوزير الأمن المدينة السكان الليل تقرير خلال ضد"
        ),
    }.items()
}
AGENCY_TAGS = ("AA", "AFP", "Reuters", "WAFA")


def build_corpus(rng: random.Random, count: int, names: dict[str, list[str]]) -> list[str]:
    """Return ``count`` articles of 2–6 kB, a place name in about one sentence in twenty."""
    articles = []
    for _ in range(count):
        lang = rng.choice(tuple(WORDS))
        words, places = WORDS[lang], names.get(lang) or names["en"]
        paragraphs: list[str] = []
        target, size = rng.randint(2_000, 6_000), 0
        while size < target:
            sentences = []
            for _ in range(rng.randint(2, 5)):
                tokens = [rng.choice(words) for _ in range(rng.randint(8, 20))]
                if rng.random() < 0.05:
                    tokens.insert(rng.randrange(len(tokens)), rng.choice(places))
                sentences.append(" ".join(tokens).capitalize() + ".")
            paragraphs.append(" ".join(sentences))
            size += len(paragraphs[-1].encode("utf-8"))
        if rng.random() < 0.3:
            paragraphs.append(rng.choice(AGENCY_TAGS))
        articles.append("\n\n".join(paragraphs))
    return articles


def place_names() -> dict[str, list[str]]:
    """The shipped aliases by language."""
    names: dict[str, list[str]] = {}
    for alias in gazetteer().aliases:
        names.setdefault(alias.lang, []).append(alias.name)
    return names


@dataclass
class Timings:
    """Wall and CPU seconds of each run of one path."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    stored: int = 0


def timed_run(work: Callable[[str], int], into: Timings) -> None:
    """Run ``work`` once on a fresh SQLite database; add its wall and CPU time to ``into``."""
    with tempfile.TemporaryDirectory(prefix="geo-bench-db-") as db_dir:
        url = f"sqlite:///{Path(db_dir) / 'bench.db'}"
        Store(url).close()  # migrations are not part of the timing
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        into.stored = work(url)
        into.wall.append(time.perf_counter() - wall)
        into.cpu.append(time.process_time() - cpu)


def whole_path(extractor: Extractor, items: Sequence[str]) -> Callable[[str], int]:
    """Ingest ``items`` through ingest_items; return how many articles were stored."""

    def work(url: str) -> int:
        with Store(url) as store:
            report = ingest_items(store, extractor, items)
            if report.failures:
                raise RuntimeError(f"benchmark corpus failed: {report.failures[:3]}")
            return report.count("stored")

    return work


def store_only(prepared: Sequence[tuple[Article, list[Mention]]]) -> Callable[[str], int]:
    """Store prepared articles and mentions; return how many were stored."""

    def work(url: str) -> int:
        with Store(url) as store:
            return sum(store.ingest(a, m).status == "stored" for a, m in prepared)

    return work


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print articles/s and MB/s for each path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20240823)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    corpus = build_corpus(rng, args.articles, place_names())
    size_mb = sum(len(text.encode("utf-8")) for text in corpus) / 1e6
    extractor = shipped_extractor()
    print(f"corpus: {len(corpus)} articles, {size_mb:.1f} MB UTF-8")

    with tempfile.TemporaryDirectory(prefix="geo-bench-corpus-") as corpus_dir:
        folder = Path(corpus_dir) / "articles"
        for number, text in enumerate(corpus):
            sub = folder / f"{number % 20:02d}"
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"article-{number:05d}.txt").write_text(text, encoding="utf-8")
        archive = Path(corpus_dir) / "dump.jsonl"
        with archive.open("w", encoding="utf-8") as out:
            for number, text in enumerate(corpus):
                record = {"title": f"Article {number}", "text": text, "published": "2024-08-23"}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

        started = time.perf_counter()
        prepared = [(a, extractor.extract(a.text)) for a in map(article_from_text, corpus)]
        prepare = time.perf_counter() - started
        mentions = sum(len(m) for _, m in prepared)

        paths = {
            "whole path, folder of .txt": whole_path(extractor, [str(folder)]),
            "whole path, .jsonl archive": whole_path(extractor, [str(archive)]),
            "baseline: store-only ingest": store_only(prepared),
        }
        timings = {label: Timings() for label in paths}
        for _ in range(args.runs):  # interleaved, so every path sees the same machine load
            for label, work in paths.items():
                timed_run(work, timings[label])
    for label, timing in timings.items():
        wall, cpu = statistics.median(timing.wall), statistics.median(timing.cpu)
        print(
            f"{label:28s} {timing.stored / wall:6.0f} articles/s {size_mb / wall:5.2f} MB/s"
            f"  (CPU only: {timing.stored / cpu:5.0f} articles/s; best run "
            f"{timing.stored / min(timing.wall):5.0f} articles/s; median of {args.runs})"
        )
    print(
        f"read + clean + extract alone (no store): {len(corpus) / prepare:.0f} articles/s, "
        f"{mentions} mentions"
    )
    whole, base = timings["whole path, folder of .txt"], timings["baseline: store-only ingest"]
    ratios = {
        "median": statistics.median(base.wall) / statistics.median(whole.wall),
        "best": min(base.wall) / min(whole.wall),
        "CPU": statistics.median(base.cpu) / statistics.median(whole.cpu),
    }
    print("ratio whole path / store-only: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
