"""Ingest articles end to end: read, extract mentions, store; a bad item never stops a batch.

An item is a text, Markdown or HTML file, a folder (walked recursively), a JSON Lines archive,
an RSS/Atom feed file, or an http(s) URL of a page or a feed. Feed entries are fetched as
articles, falling back to the entry's own text when the page fails. Every article ends as one
:class:`ItemRecord` (stored, duplicate, new version or failed); a failure is one line naming the
item and the problem, and changes nothing already stored.

Instead of extracting and storing, a batch can hand its completed articles to a ``sink``, such
as the task queue of :mod:`geo.ingest.queue`: reading, defaults and failures stay the same, and
each article handed over is recorded as "queued".

Metadata found in the item wins; the batch's ``source`` and ``published`` fill what it lacks,
and an article with no date at all is stored undated (kept out of date filters until an editor
dates it), never given the ingest date. Each record says where its date came
from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import BinaryIO, Literal

from sqlalchemy.exc import SQLAlchemyError

from geo.extract.context import mentions_and_places
from geo.extract.geonames import ContextPlace
from geo.extract.mentions import Extractor
from geo.ingest.archives import (
    ARCHIVE_SUFFIXES,
    ArchiveError,
    ArchiveRecord,
    count_records,
    read_records,
)
from geo.ingest.articles import (
    HTML_SUFFIXES,
    MAX_HTML_BYTES,
    MAX_TEXT_BYTES,
    TEXT_SUFFIXES,
    ArticleError,
    article_from_bytes,
    article_from_text,
    looks_like_html,
    read_bytes,
)
from geo.ingest.feeds import FEED_SUFFIXES, Feed, FeedEntry, FeedError, looks_like_feed, parse_feed
from geo.ingest.fetch import FEED_TYPES, HTML_TYPES, Fetched, Fetcher, FetchError, looks_like_url
from geo.ingest.workers import Extracted, ExtractionPool
from geo.model import Article, Mention
from geo.store.database import IngestOutcome, Store

Status = Literal["stored", "duplicate", "new-version", "failed", "queued"]
DateFrom = Literal["page", "feed", "archive", "user", "undated"]
"""Where a stored article's published date came from."""
Progress = Callable[[int, int, str], None]
"""Called after each item with (done, total, item label); total grows as feeds are read."""
Sink = Callable[[list[Article]], None]
"""Takes a batch of completed articles in place of extraction and storage (e.g. a task queue);
raises when it cannot take them, and then every article of that batch fails with its error."""

BATCH_SIZE = 50
"""Articles stored per transaction (and extracted per round on the worker processes)."""
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
WALKED_SUFFIXES = ARTICLE_SUFFIXES | ARCHIVE_SUFFIXES | FEED_SUFFIXES
"""Files a folder walk picks up; other files in folders (images, styles) are skipped."""
MAX_FEED_BYTES = MAX_HTML_BYTES

_UnitKind = Literal["text", "html", "archive", "feed", "sniff", "url", "bad"]


@dataclass(frozen=True)
class ItemRecord:
    """What happened to one article of a batch (or to an item that gave no article).

    A "queued" article was handed to the batch's sink: it has its id, but no mentions yet.

    ``date_from`` says where ``published`` came from: the page, the feed, the archive, the
    user's value, or "undated" when none gave one. ``note`` tells of a fallback, such as a feed
    entry stored from its summary because its page failed. A failed record has ``problem`` and
    no article.
    """

    label: str
    status: Status
    title: str | None = None
    published: dt.date | None = None
    date_from: DateFrom | None = None
    source: str | None = None
    url: str | None = None
    article_id: str | None = None
    mentions: int = 0
    problem: str | None = None
    note: str | None = None


@dataclass
class BatchReport:
    """What a batch did: one record per article (or failed item), in the order they went."""

    records: list[ItemRecord] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        """One line per failure: ``"ITEM: problem"``."""
        return [f"{r.label}: {r.problem}" for r in self.records if r.status == "failed"]

    def count(self, status: Status) -> int:
        """Number of records that ended with ``status``."""
        return sum(1 for record in self.records if record.status == status)

    def summary(self) -> str:
        """One line: queued (when any), stored, new versions, duplicates and failures."""
        queued = f"{self.count('queued')} queued, " if self.count("queued") else ""
        return (
            f"{queued}{self.count('stored')} stored, {self.count('new-version')} new versions, "
            f"{self.count('duplicate')} duplicates, {self.count('failed')} failed"
        )


def ingest_article(store: Store, extractor: Extractor, article: Article) -> IngestOutcome:
    """Extract the article's mentions and context places; store all in one transaction."""
    mentions, places = mentions_and_places(extractor, article.text)
    return store.ingest(article, mentions, places)


def ingest_items(
    store: Store,
    extractor: Extractor,
    items: Iterable[str],
    *,
    source: str | None = None,
    published: dt.date | None = None,
    on_progress: Progress | None = None,
    fetcher: Fetcher | None = None,
    allow_paths: bool = True,
    workers: int = 1,
    batch_size: int = BATCH_SIZE,
    sink: Sink | None = None,
) -> BatchReport:
    """Ingest files, folders, archives, feeds and URLs, going on past bad items.

    Parameters
    ----------
    store, extractor
        Where articles go and how mentions are found.
    items
        Paths (``.txt``, ``.md``, ``.html``, ``.jsonl``, ``.xml``/``.rss``/``.atom`` feeds,
        folders to walk) and http(s) URLs of pages or feeds.
    source, published
        Source and date for articles that carry none of their own.
    on_progress
        Called after each article or failed item with (done, total, label).
    fetcher
        How URLs are fetched; a :class:`~geo.ingest.fetch.Fetcher` with default limits when None.
    allow_paths
        Whether items may be local paths; False for items typed into a shared app, where a
        path would read the server's own files: each non-URL item then fails.
    workers
        Processes that extract mentions (1: this one); more use more cores.
    batch_size
        Articles stored per transaction (or handed to the sink at once).
    sink
        Where completed articles go instead of being extracted and stored here, in batches of
        ``batch_size`` (``workers`` is then unused); each is recorded as "queued".
    """
    units = [unit for item in items for unit in _plan_item(item, allow_paths=allow_paths)]
    batch = _Batch(
        store, extractor, source, published, on_progress, fetcher, workers, batch_size, sink
    )
    return batch.run(units)


def ingest_upload(
    store: Store,
    extractor: Extractor,
    name: str,
    data: bytes,
    *,
    source: str | None = None,
    published: dt.date | None = None,
    on_progress: Progress | None = None,
    fetcher: Fetcher | None = None,
) -> BatchReport:
    """Ingest one uploaded file, by its name and content: an article, an archive or a feed.

    Parameters
    ----------
    name
        The uploaded file's name; its extension says what it is (a feed or an HTML page is
        also recognised by its content).
    data
        The file's bytes.
    store, extractor, source, published, on_progress, fetcher
        As for :func:`ingest_items`.
    """
    unit = _upload_unit(name, data)
    batch = _Batch(store, extractor, source, published, on_progress, fetcher)
    return batch.run([unit])


@dataclass
class _Unit:
    """One item of the plan: what it is, where its bytes are, and how many steps it takes."""

    label: str
    kind: _UnitKind
    path: Path | None = None
    data: bytes | None = None
    problem: str | None = None
    steps: int = 1


@dataclass(frozen=True)
class _Draft:
    """An article read from an item, before the batch's defaults and the store."""

    article: Article
    date_from: DateFrom | None
    """Where ``article.published`` came from, when the item gave one."""
    fallback_sources: tuple[str | None, ...] = ()
    note: str | None = None
    from_summary: bool = False
    """The text is a feed entry's summary, standing in for a page that failed."""


@dataclass(frozen=True)
class _Queued:
    """An article read and completed, waiting to be extracted and stored with its batch."""

    label: str
    article: Article
    date_from: DateFrom
    note: str | None
    error: BaseException | None = None
    """Set for an item that failed while others waited: recorded in its place in the order."""


@dataclass(frozen=True)
class _Pending:
    """An article still to read: its label, and how to read it."""

    label: str
    make: Callable[[], _Draft]


class _Batch:
    """Runs a plan: reads each article, stores it, records the outcome and reports progress."""

    def __init__(
        self,
        store: Store,
        extractor: Extractor,
        source: str | None,
        published: dt.date | None,
        on_progress: Progress | None,
        fetcher: Fetcher | None,
        workers: int = 1,
        batch_size: int = 1,
        sink: Sink | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size!r}")
        self.store = store
        self.extractor = extractor
        self.source = (source or "").strip() or None
        self.published = published
        self.on_progress = on_progress
        self.report = BatchReport()
        self.done = 0
        self.total = 0
        self._fetcher = fetcher
        self._resources = ExitStack()
        self._pool = ExtractionPool(extractor, 1 if sink else workers)
        self._batch_size = batch_size
        self._queued: list[_Queued] = []
        self._in_flight: tuple[list[_Queued], Callable[[], list[Extracted]]] | None = None
        self._sink = sink
        self._alias_langs = frozenset(alias.lang for alias in getattr(extractor, "aliases", ()))
        self._sent_urls: set[str] = set()
        """URLs of the articles handed to the sink: not in the store yet, but on their way."""

    @property
    def fetcher(self) -> Fetcher:
        """The fetcher given, else one made on first use (and closed when the batch ends)."""
        if self._fetcher is None:
            self._fetcher = self._resources.enter_context(Fetcher())
        return self._fetcher

    def run(self, units: list[_Unit]) -> BatchReport:
        """Process every unit in order; return the report."""
        self.total = sum(unit.steps for unit in units)
        with self._resources:
            self._resources.enter_context(self._pool)
            for unit in units:
                self._run_unit(unit)
            self._store_all()
        return self.report

    def _run_unit(self, unit: _Unit) -> None:
        """Expand a unit into articles and settle each; a failure to expand is one record."""
        produced = 0
        pending_items = self._expand(unit)
        while True:
            try:
                pending = next(pending_items)
            except StopIteration:
                break
            except Exception as error:
                self._fail(unit.label, error)
                produced += 1
                break
            self._settle(pending)
            produced += 1
        self.total -= max(0, unit.steps - produced)

    def _expand(self, unit: _Unit) -> Iterator[_Pending]:
        """Yield the articles of one unit, reading or fetching what it takes to list them."""
        if unit.kind == "bad":
            raise _ItemProblem(unit.problem or "cannot be read")
        if unit.kind == "url":
            yield from self._url_items(unit)
        elif unit.kind == "archive":
            yield from self._archive_items(unit)
        elif unit.kind == "feed":
            feed = parse_feed(self._bytes(unit, MAX_FEED_BYTES))
            yield from self._feed_items(unit, feed)
        elif unit.kind == "sniff":
            yield from self._sniffed_items(unit)
        else:
            yield _Pending(unit.label, partial(self._file_draft, unit))

    def _grow(self, unit: _Unit, steps: int) -> None:
        """Add steps found while expanding a unit (a feed's entries) to the totals."""
        unit.steps += steps
        self.total += steps

    # --- kinds of item ------------------------------------------------------------------------

    def _file_draft(self, unit: _Unit) -> _Draft:
        """Read a text, Markdown or HTML file (or upload) as one article."""
        html = unit.kind == "html"
        data = self._bytes(unit, MAX_HTML_BYTES if html else MAX_TEXT_BYTES)
        article = article_from_bytes(data, unit.label, html=html)
        return _Draft(article, "page" if article.published else None)

    def _archive_items(self, unit: _Unit) -> Iterator[_Pending]:
        """Yield one pending article per archive line; a bad line fails alone."""
        with ExitStack() as stack:
            if unit.data is not None:
                stream: BinaryIO = io.BytesIO(unit.data)
            else:
                stream = stack.enter_context(_open(unit))
            for number, record in read_records(stream):
                label = f"{unit.label}:{number}"
                yield _Pending(label, partial(_archive_draft, label, record))

    def _feed_items(self, unit: _Unit, feed: Feed) -> Iterator[_Pending]:
        """Yield one pending article per feed entry, after adding them to the totals."""
        if not feed.entries:
            raise FeedError("feed has no entries")
        self._grow(unit, len(feed.entries) - 1)
        for number, entry in enumerate(feed.entries, start=1):
            label = f"{unit.label} entry {number}" + (f" ({entry.link})" if entry.link else "")
            yield _Pending(label, partial(self._entry_draft, label, entry, feed))

    def _sniffed_items(self, unit: _Unit) -> Iterator[_Pending]:
        """Tell a feed or an HTML page by its content, for a file whose name does not say."""
        data = self._bytes(unit, MAX_FEED_BYTES)
        if looks_like_feed(data):
            yield from self._feed_items(unit, parse_feed(data))
            return
        if not looks_like_html(data):
            suffix = Path(unit.label).suffix.lower()
            supported = ", ".join(sorted(WALKED_SUFFIXES))
            raise _ItemProblem(f"unsupported file type {suffix!r} (expected {supported})")
        html_unit = dataclasses.replace(unit, kind="html", data=data)
        yield _Pending(unit.label, partial(self._file_draft, html_unit))

    def _url_items(self, unit: _Unit) -> Iterator[_Pending]:
        """Fetch a URL: a feed gives its entries, a page gives one article."""
        fetched = self.fetcher.get(unit.label)
        if _is_feed(fetched):
            yield from self._feed_items(unit, parse_feed(fetched.body, url=fetched.final_url))
            return
        yield _Pending(unit.label, partial(_page_draft, fetched, unit.label))

    def _entry_draft(self, label: str, entry: FeedEntry, feed: Feed) -> _Draft:
        """Fetch a feed entry's page as the article; fall back to the entry's own text."""
        sources = (entry.author, feed.title)
        page_problem = None
        if entry.link:
            try:
                fetched = self.fetcher.get(entry.link)
                if _is_feed(fetched):
                    raise _ItemProblem("the link is a feed, not an article page")
                draft = _page_draft(
                    fetched,
                    label,
                    title=entry.title,
                    published=entry.published,
                    byline=entry.author,
                )
            except (FetchError, ArticleError, _ItemProblem) as error:
                page_problem = _problem(error)
            else:
                date_from: DateFrom | None = "feed" if entry.published else draft.date_from
                return dataclasses.replace(draft, date_from=date_from, fallback_sources=sources)
        if not entry.content:
            if page_problem:
                raise _ItemProblem(f"page failed ({page_problem}) and the entry has no summary")
            raise _ItemProblem("entry has no link and no text")
        article = article_from_bytes(
            entry.content.encode("utf-8"),
            label,
            html=True,
            title=entry.title,
            published=entry.published,
            url=entry.link,
            page_metadata=False,
        )
        note = f"page failed ({page_problem}); stored the feed's summary" if page_problem else None
        date_from = "feed" if entry.published else None
        return _Draft(article, date_from, sources, note, from_summary=page_problem is not None)

    # --- storing ------------------------------------------------------------------------------

    def _settle(self, pending: _Pending) -> None:
        """Read one article and fill in defaults; queue it to be extracted and stored."""
        try:
            draft = pending.make()
            article, date_from = self._complete(draft)
            if draft.from_summary:
                self._store_all()  # the full text may be waiting in the queue
                if article.url in self._sent_urls or self.store.has_url(article.url):
                    self._keep_stored(pending.label, article)
                    return
        except Exception as error:
            self._fail(pending.label, error)
            return
        self._queued.append(_Queued(pending.label, article, date_from, draft.note))
        if len(self._queued) >= self._batch_size:
            self._store_queued()

    def _store_queued(self) -> None:
        """Extract the queued articles (on the pool) and store them in one transaction."""
        queued, self._queued = self._queued, []
        if not queued:
            return
        if self._sink is not None:
            self._send(self._sink, queued)
            return
        texts = [item.article.text for item in queued if item.error is None]
        in_flight, self._in_flight = self._in_flight, (queued, self._pool.submit(texts))
        if in_flight is not None:  # store the batch before while the pool extracts this one
            self._store_extracted(*in_flight)

    def _store_all(self) -> None:
        """Extract and store every queued article, waiting for the batch in flight."""
        self._store_queued()
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            self._store_extracted(*in_flight)

    def _store_extracted(
        self, queued: list[_Queued], extracted: Callable[[], list[Extracted]]
    ) -> None:
        """Wait for a batch's extraction, store it in one transaction, record each article."""
        results = iter(extracted())
        found_all = [item.error or next(results) for item in queued]
        ready = [
            (item, result) for item, result in zip(queued, found_all, strict=True)
            if not isinstance(result, BaseException)
        ]  # fmt: skip
        try:
            outcomes: list[IngestOutcome | Exception] = list(
                self.store.ingest_many([(i.article, *result) for i, result in ready])
            )
        except Exception:  # find which article it was: store them one by one
            outcomes = [self._store_one(item.article, *result) for item, result in ready]
        stored = {id(item): outcome for (item, _), outcome in zip(ready, outcomes, strict=True)}
        for item, result in zip(queued, found_all, strict=True):
            outcome = result if isinstance(result, BaseException) else stored[id(item)]
            if isinstance(outcome, BaseException):
                self._record(
                    ItemRecord(label=item.label, status="failed", problem=_problem(outcome))
                )
            else:
                self._stored(item, outcome)

    def _send(self, sink: Sink, queued: list[_Queued]) -> None:
        """Hand the queued articles to the sink; record each as queued, or all as failed."""
        articles = [item.article for item in queued if item.error is None]
        problem: BaseException | None = None
        try:
            if articles:
                sink(articles)
        except Exception as error:
            problem = error
        for item in queued:
            failure = item.error or problem
            if failure is not None:
                self._record(
                    ItemRecord(label=item.label, status="failed", problem=_problem(failure))
                )
                continue
            if item.article.url:
                self._sent_urls.add(item.article.url)
            self._record(self._article_record(item, "queued", item.article.id, 0))

    def _store_one(
        self, article: Article, mentions: list[Mention], places: list[ContextPlace]
    ) -> IngestOutcome | Exception:
        """Store one article in its own transaction; return the error instead of raising."""
        try:
            return self.store.ingest(article, mentions, places)
        except Exception as error:
            return error

    def _stored(self, item: _Queued, outcome: IngestOutcome) -> None:
        """Record what storing a queued article did (saying so when its language has no names)."""
        record = self._article_record(item, outcome.status, outcome.article_id, outcome.mentions)
        lang = item.article.lang
        if (
            outcome.status != "duplicate"
            and not outcome.mentions
            and lang
            and (lang not in self._alias_langs)
        ):
            unread = (
                f"stored without mentions: the places have no names in {lang!r} yet "
                f"(names in {', '.join(sorted(self._alias_langs))})"
            )
            record = dataclasses.replace(
                record, note=f"{record.note}; {unread}" if record.note else unread
            )
        self._record(record)

    @staticmethod
    def _article_record(
        item: _Queued, status: Status, article_id: str, mentions: int
    ) -> ItemRecord:
        """The record of an article that went through: stored, or handed to the sink."""
        article = item.article
        return ItemRecord(
            label=item.label,
            status=status,
            title=article.title,
            published=article.published,
            date_from=item.date_from,
            source=article.source,
            url=article.url,
            article_id=article_id,
            mentions=mentions,
            note=item.note,
        )

    def _complete(self, draft: _Draft) -> tuple[Article, DateFrom]:
        """Fill in the source and date an article lacks: the item's, the user's, else none."""
        article = draft.article
        sources = (article.source, *draft.fallback_sources, self.source)
        source = next((s.strip() for s in sources if s and s.strip()), None)
        if article.published is not None:
            date_from: DateFrom = draft.date_from or "page"
            return dataclasses.replace(article, source=source), date_from
        if self.published is not None:
            return dataclasses.replace(article, source=source, published=self.published), "user"
        return dataclasses.replace(article, source=source), "undated"

    def _keep_stored(self, label: str, article: Article) -> None:
        """A summary never replaces the full text already stored at its URL."""
        note = "page failed; kept the text already stored at this URL, not the feed's summary"
        self._record(
            ItemRecord(label=label, status="duplicate", title=article.title, url=article.url,
                       note=note)
        )  # fmt: skip

    def _fail(self, label: str, error: BaseException) -> None:
        """Record a failed item (after the articles queued or in flight before it)."""
        if self._queued or self._in_flight:
            placeholder = Article("", "", None, None, None, "")
            self._queued.append(_Queued(label, placeholder, "page", None, error))
            return
        self._record(ItemRecord(label=label, status="failed", problem=_problem(error)))

    def _record(self, record: ItemRecord) -> None:
        """Add a record to the report and tell the progress callback."""
        self.report.records.append(record)
        self.done += 1
        self.total = max(self.total, self.done)
        if self.on_progress is not None:
            self.on_progress(self.done, self.total, record.label)

    @staticmethod
    def _bytes(unit: _Unit, limit: int) -> bytes:
        """The unit's bytes: an upload's, else the file's, refusing empty or oversize input."""
        if unit.data is not None:
            return unit.data
        assert unit.path is not None
        return read_bytes(unit.path, limit=limit)


class _ItemProblem(Exception):
    """Something wrong with an item that no reader raised: the message is the problem."""


def _archive_draft(label: str, record: ArchiveRecord | ArchiveError) -> _Draft:
    """Build the article of one archive line (or raise the line's error)."""
    if isinstance(record, ArchiveError):
        raise record
    article = article_from_text(
        record.text,
        title=record.title,
        source=record.source,
        published=record.published,
        url=record.url,
    )
    return _Draft(article, "archive" if article.published else None)


def _page_draft(
    fetched: Fetched,
    label: str,
    *,
    title: str | None = None,
    published: dt.date | None = None,
    byline: str | None = None,
) -> _Draft:
    """Build the article of a fetched page (HTML or plain text), stored under the URL asked."""
    if fetched.media_type in FEED_TYPES:
        raise _ItemProblem(f"{fetched.media_type!r} document is not an RSS or Atom feed")
    html = fetched.media_type in HTML_TYPES or (
        not fetched.media_type and looks_like_html(fetched.body)
    )
    article = article_from_bytes(
        fetched.body,
        label,
        html=html,
        charset=fetched.charset,
        title=title,
        published=published,
        url=fetched.url,
        byline=byline,
    )
    return _Draft(article, "page" if article.published else None)


def _is_feed(fetched: Fetched) -> bool:
    """Whether a fetched body is an RSS or Atom feed (by content, whatever its type says)."""
    return looks_like_feed(fetched.body)


def _plan_item(item: str, *, allow_paths: bool) -> list[_Unit]:
    """Turn one command-line item into units: a URL, a file, or a folder's files."""
    if looks_like_url(item):
        return [_Unit(item, "url")]
    if not allow_paths:
        return [_Unit(item, "bad", problem="not a URL: expected http:// or https://")]
    path = Path(item)
    if path.is_dir():
        units = [_file_unit(found) for found in _walk(path)]
        supported = ", ".join(sorted(WALKED_SUFFIXES))
        return units or [_Unit(item, "bad", problem=f"folder has no {supported} files")]
    if path.exists():
        return [_file_unit(path)]
    return [_Unit(item, "bad", problem="no such file or folder")]


def _file_unit(path: Path) -> _Unit:
    """The unit of one file, by its extension; an archive's lines are counted up front."""
    label = str(path)
    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        try:
            with path.open("rb") as stream:
                steps = count_records(stream)
        except OSError as error:
            return _Unit(label, "bad", problem=f"cannot read file: {error.strerror or error}")
        if steps == 0:
            return _Unit(label, "bad", problem="archive has no records")
        return _Unit(label, "archive", path=path, steps=steps)
    return _Unit(label, _kind_by_suffix(suffix), path=path)


def _upload_unit(name: str, data: bytes) -> _Unit:
    """The unit of an uploaded file, by its name (and, failing that, its content)."""
    label = name or "upload"
    suffix = Path(label).suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        steps = count_records(io.BytesIO(data))
        if steps == 0:
            return _Unit(label, "bad", problem="archive has no records")
        return _Unit(label, "archive", data=data, steps=steps)
    return _Unit(label, _kind_by_suffix(suffix), data=data)


def _kind_by_suffix(suffix: str) -> _UnitKind:
    """What a file is by its extension; "sniff" when only its content can tell."""
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in FEED_SUFFIXES:
        return "feed"
    return "sniff"


def _walk(folder: Path) -> Iterator[Path]:
    """Files under a folder that may hold articles, sorted; hidden files and folders skipped."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.suffix.lower() in WALKED_SUFFIXES:
                yield path


def _open(unit: _Unit) -> BinaryIO:
    """Open a unit's file for reading bytes."""
    assert unit.path is not None
    try:
        return unit.path.open("rb")
    except OSError as error:
        raise _ItemProblem(f"cannot read file: {error.strerror or error}") from error


def _problem(error: BaseException) -> str:
    """The problem an error describes, in one line, without the item's name."""
    if isinstance(error, ArticleError | FetchError):
        return error.problem
    if isinstance(error, SQLAlchemyError):
        cause = getattr(error, "orig", None) or error
        first = (str(cause).strip().splitlines() or [""])[0]
        return f"database error: {type(cause).__name__}: {first}".rstrip(": ")
    if isinstance(error, FeedError | ArchiveError | _ItemProblem):
        return _one_line(str(error))
    if isinstance(error, ValueError):
        return f"not stored: {_one_line(str(error))}"
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror or error}"
    return f"unexpected error: {type(error).__name__}: {_one_line(str(error))}"


def _one_line(text: str) -> str:
    """Text on one line (whitespace runs become one space)."""
    return " ".join(text.split())
