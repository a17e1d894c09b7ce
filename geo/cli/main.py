"""Command line: ``python -m geo extract|ingest|worker|mentions|export|layers|eval``.

``ingest --queue`` reads the items here and enqueues their articles in the store's PostgreSQL;
``worker`` (on this or any machine with ``GEO_DB_URL``) extracts and stores them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm import tqdm

from geo.cli import users
from geo.cli.errors import EXIT_FAILED, EXIT_OK, CommandError

MAX_EXTRACT_BYTES = 5 * 1024 * 1024
# The labelled dev set beside the repository (../shared/eval/dev.json), when present.
DEFAULT_EVAL_PATH = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.json"
# Passages labelled here, from text the extractor was not tuned on.
UNSEEN_EVAL_PATH = Path(__file__).resolve().parents[2] / "data" / "eval" / "unseen.json"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand of the contract in design.md."""
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    extract = commands.add_parser("extract", help="text in, JSON mentions out; no database")
    extract.add_argument("file", nargs="?", default="-", help="UTF-8 text file, or - for stdin")
    extract.set_defaults(handler=cmd_extract)

    ingest = commands.add_parser("ingest", help="store articles and their mentions")
    ingest.add_argument(
        "items", nargs="+", metavar="PATH|URL", help="files, folders, .jsonl, feeds or URLs"
    )
    ingest.add_argument("--source", help="source to record where the article names none")
    ingest.add_argument("--published", type=parse_date, help="publication date, YYYY-MM-DD")
    ingest.add_argument(
        "--workers",
        type=parse_workers,
        default=None,
        help="processes extracting mentions (default: one per core; unused with --queue)",
    )
    ingest.add_argument(
        "--queue",
        action="store_true",
        help="enqueue the articles for `worker` processes instead (needs PostgreSQL)",
    )
    ingest.set_defaults(handler=cmd_ingest)

    worker = commands.add_parser("worker", help="extract and store queued articles (PostgreSQL)")
    worker.add_argument(
        "--concurrency",
        type=parse_workers,
        default=1,
        help="jobs at once, extracted on as many processes (default: 1)",
    )
    mode = worker.add_mutually_exclusive_group()
    mode.add_argument(
        "--once", action="store_true", help="exit when the queue is empty (for cron and tests)"
    )
    mode.add_argument(
        "--wait",
        dest="once",
        action="store_false",
        help="wait for new jobs until stopped by SIGINT or SIGTERM (the default)",
    )
    worker.add_argument(
        "--stalled-after",
        type=parse_seconds,
        default=30.0,
        metavar="SECONDS",
        help="requeue the job of a worker silent this long (default: 30; same on every machine)",
    )
    worker.set_defaults(handler=cmd_worker)

    mentions = commands.add_parser("mentions", help="list stored mentions")
    mentions.add_argument("--location", action="append", help="location id (repeatable)")
    mentions.add_argument("--source", action="append", help="source name (repeatable)")
    mentions.add_argument("--since", type=parse_date, help="published on or after YYYY-MM-DD")
    mentions.add_argument("--until", type=parse_date, help="published on or before YYYY-MM-DD")
    mentions.add_argument("--format", choices=("json", "csv"), default="json")
    mentions.set_defaults(handler=cmd_mentions)

    export = commands.add_parser("export", help="export the map data or a standalone map")
    export.add_argument(
        "--format", choices=("geojson", "gpkg", "csv", "html", "png"), required=True
    )
    export.add_argument(
        "-o", "--output", type=Path, help="file to write (default: stdout; gpkg, png need one)"
    )
    export.set_defaults(handler=cmd_export)

    layers = commands.add_parser("layers", help="work with the location layer files")
    layer_commands = layers.add_subparsers(dest="layers_command", required=True, metavar="ACTION")
    check = layer_commands.add_parser("check", help="validate layer files")
    check.add_argument("directory", nargs="?", type=Path, help="default: data/layers")
    check.set_defaults(handler=cmd_layers_check)

    evaluate = commands.add_parser("eval", help="score extraction against a labelled file")
    evaluate.add_argument(
        "path",
        nargs="*",
        type=Path,
        help="default: data/eval/unseen.json and ../shared/eval/dev.json (when there)",
    )
    evaluate.add_argument("--verbose", action="store_true", help="list misses and false hits")
    evaluate.set_defaults(handler=cmd_eval)

    users.register(commands)
    return parser


def parse_date(value: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` for argparse, naming the bad value."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def parse_workers(value: str) -> int:
    """Parse a worker count (1 or more) for argparse, naming the bad value."""
    try:
        workers = int(value)
    except ValueError:
        workers = 0
    if workers < 1:
        raise argparse.ArgumentTypeError(f"not a worker count (1 or more): {value!r}")
    return workers


def parse_seconds(value: str) -> float:
    """Parse a positive number of seconds for argparse, naming the bad value."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds (above 0): {value!r}")
    return seconds


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the mentions found in one text as ``{"mentions": [...]}``."""
    from geo.cli.services import extractor

    text = read_text(args.file)
    mentions = extractor().extract(text)
    payload = {"mentions": [_public_mention(m.to_dict()) for m in mentions]}
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def cmd_ingest(args: argparse.Namespace) -> int:
    """Store each item's articles and mentions; one line per failure, then a summary."""
    if args.queue:
        return _ingest_to_queue(args)
    from geo.cli.services import extractor, open_store
    from geo.ingest.pipeline import ingest_items
    from geo.ingest.workers import default_workers

    store = open_store()
    with _progress_bar() as on_progress:
        report = ingest_items(
            store,
            extractor(),
            args.items,
            source=args.source,
            published=args.published,
            on_progress=on_progress,
            workers=args.workers or default_workers(),
        )
    for failure in report.failures:
        print(f"error: {failure}", file=sys.stderr)
    for record in report.records:
        if record.note and "no names in" in record.note:
            print(f"note: {record.label}: {record.note}", file=sys.stderr)
    print(report.summary())
    return EXIT_FAILED if report.failures else EXIT_OK


def _ingest_to_queue(args: argparse.Namespace) -> int:
    """Read each item's articles and enqueue them; one line per failure, then a summary."""
    from geo.cli.services import extractor, open_store
    from geo.ingest.pipeline import ingest_items
    from geo.ingest.queue import QueueUnavailable, open_queue

    try:
        with open_queue() as enqueue, _progress_bar() as on_progress:
            report = ingest_items(
                open_store(),
                extractor(),
                args.items,
                source=args.source,
                published=args.published,
                on_progress=on_progress,
                sink=enqueue,
            )
    except QueueUnavailable as error:
        raise CommandError(str(error)) from None
    for failure in report.failures:
        print(f"error: {failure}", file=sys.stderr)
    kept = report.count("duplicate")
    print(
        f"{report.count('queued')} queued in {len(enqueue.jobs)} jobs, "
        + (f"{kept} duplicates, " if kept else "")
        + f"{report.count('failed')} failed"
    )
    return EXIT_FAILED if report.failures else EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """Take ingest jobs from the queue; with --once, exit (1 if any failed) when it is empty."""
    import logging

    from geo.cli.services import extractor
    from geo.ingest.queue import QueueUnavailable, queue_conninfo, run_worker

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    try:
        queue_conninfo()  # refuse SQLite before loading anything
        report = run_worker(
            extractor(),
            concurrency=args.concurrency,
            once=args.once,
            stalled_after=args.stalled_after,
        )
    except QueueUnavailable as error:
        raise CommandError(str(error)) from None
    print(f"worker: {report.summary()}")
    return EXIT_FAILED if args.once and not report.ok else EXIT_OK


def cmd_mentions(args: argparse.Namespace) -> int:
    """Print stored mentions (latest article versions) as JSON or CSV."""
    from geo.cli.services import gazetteer, open_store
    from geo.maps.exports import mentions_csv

    store = open_store()
    _check_known("location id", args.location, gazetteer().location_ids())
    _check_known("source", args.source, store.sources())
    frame = store.mentions(
        location_ids=args.location, since=args.since, until=args.until, sources=args.source
    )
    if args.format == "csv":
        sys.stdout.write(mentions_csv(frame))
        return EXIT_OK
    records = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    json.dump({"mentions": records}, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


def _check_known(what: str, given: list[str] | None, known: Sequence[str]) -> None:
    """Raise CommandError naming the first of ``given`` that is not among ``known``."""
    for value in given or ():
        if value not in known:
            listed = ", ".join(known) if known else "none stored"
            raise CommandError(f"unknown {what} {value!r}; known: {listed}")


def cmd_export(args: argparse.Namespace) -> int:
    """Write the joined locations (GeoJSON), places and mentions (GeoPackage), the mentions
    (CSV), a standalone map (HTML) or the map for print (PNG)."""
    from geo.cli.services import gazetteer, open_store
    from geo.maps import exports

    if args.format in ("gpkg", "png") and args.output is None:
        raise CommandError(
            f"--format {args.format} writes a binary file: name it with -o FILE.{args.format}"
        )
    store = open_store()
    mentions = store.mentions()
    if args.format == "gpkg":
        _write_bytes(exports.locations_geopackage(mentions, gazetteer()), args.output)
        return EXIT_OK
    if args.format == "png":
        _write_bytes(exports.print_png(mentions, gazetteer()), args.output)
        return EXIT_OK
    if args.format == "csv":
        content = exports.mentions_csv(mentions)
    elif args.format == "geojson":
        content = exports.locations_geojson(mentions, gazetteer())
    else:
        content = exports.standalone_html(mentions, gazetteer())
    _write_output(content, args.output)
    return EXIT_OK


def cmd_layers_check(args: argparse.Namespace) -> int:
    """Validate layer files: each fault on its own line, non-zero exit if any."""
    from geo.places.layers import DEFAULT_LAYERS_DIR, check_layers

    directory = args.directory or DEFAULT_LAYERS_DIR
    faults = check_layers(Path(directory))
    for fault in faults:
        print(str(fault), file=sys.stderr)
    if faults:
        print(f"{len(faults)} fault(s) in {str(directory)!r}", file=sys.stderr)
        return EXIT_FAILED
    print(f"layers OK: {directory}")
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    """Score extraction against a labelled file and print precision and recall."""
    from geo.cli.services import extractor
    from geo.extract.evaluate import evaluate

    paths = args.path or [p for p in (UNSEEN_EVAL_PATH, DEFAULT_EVAL_PATH) if p.is_file()]
    for path in paths:
        if not Path(path).is_file():
            raise CommandError(f"no labelled file at {str(path)!r}")
    for number, path in enumerate(paths):
        try:
            report = evaluate(Path(path), extractor(), verbose=args.verbose)
        except ValueError as error:
            raise CommandError(str(error)) from None
        print(("\n" if number else "") + f"== {path} ==")
        print(report.format())
    return EXIT_OK


def read_text(name: str) -> str:
    """Read UTF-8 text from a file or stdin (``-``), refusing empty, binary or oversize input."""
    label = "stdin" if name == "-" else repr(name)
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {label}: {error.strerror or error}") from None
    if len(data) > MAX_EXTRACT_BYTES:
        raise CommandError(f"{label} is {len(data)} bytes; the limit is {MAX_EXTRACT_BYTES}")
    if b"\x00" in data:
        raise CommandError(f"{label} is binary, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(f"{label} is not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise CommandError(f"{label} is empty")
    return text


def _public_mention(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("location_id", "surface", "start", "end", "kind", "sentence", "speaker")
    return {key: record[key] for key in keys}


def _write_output(content: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(content)
        return
    try:
        output.write_text(content, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"cannot write {str(output)!r}: {error.strerror or error}") from None
    print(f"wrote {output}", file=sys.stderr)


def _write_bytes(content: bytes, output: Path) -> None:
    try:
        output.write_bytes(content)
    except OSError as error:
        raise CommandError(f"cannot write {str(output)!r}: {error.strerror or error}") from None
    print(f"wrote {output}", file=sys.stderr)


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int, str], None]]:
    """A tqdm bar on stderr with counts and an estimate, fed by the pipeline's callback."""
    bar: tqdm[Any] | None = None

    def update(done: int, total: int, item: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="item", file=sys.stderr, disable=None, leave=False)
        bar.total = total
        bar.set_postfix_str(item[-40:], refresh=False)
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()
