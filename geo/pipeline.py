"""Ingest articles end to end: read, extract mentions, store; a bad item never stops a batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from geo.articles import ArticleError, read_article
from geo.mentions import Extractor
from geo.model import Article
from geo.store import IngestOutcome, Store

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
Progress = Callable[[int, int, str], None]


@dataclass
class BatchReport:
    """What a batch did: outcomes of the items that went in, and one line per failure."""

    outcomes: list[IngestOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Number of items that ended with ``status`` (stored, duplicate, new-version)."""
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    def summary(self) -> str:
        """One line: stored, new versions, duplicates and failures."""
        return (
            f"{self.count('stored')} stored, {self.count('new-version')} new versions, "
            f"{self.count('duplicate')} duplicates, {len(self.failures)} failed"
        )


def ingest_article(store: Store, extractor: Extractor, article: Article) -> IngestOutcome:
    """Extract the article's mentions and store both in one transaction."""
    mentions = extractor.extract(article.text)
    return store.ingest(article, mentions)


def ingest_items(
    store: Store,
    extractor: Extractor,
    items: Iterable[str],
    *,
    source: str | None = None,
    published: dt.date | None = None,
    on_progress: Progress | None = None,
) -> BatchReport:
    """Ingest files and folders (recursively), going on past bad items.

    Parameters
    ----------
    store, extractor
        Where articles go and how mentions are found.
    items
        Files (.txt, .md, .html) or folders to walk.
    source, published
        Metadata used where a file does not carry its own.
    on_progress
        Called after each item with (done, total, item).
    """
    report = BatchReport()
    files, missing = _expand(Path(item) for item in items)
    report.failures.extend(missing)
    for done, path in enumerate(files, start=1):
        try:
            article = read_article(path, source=source, published=published)
            report.outcomes.append(ingest_article(store, extractor, article))
        except (ArticleError, OSError) as error:
            report.failures.append(f"{path}: {error}")
        if on_progress is not None:
            on_progress(done, len(files), str(path))
    return report


def _expand(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(_walk(path)))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return files, problems


def _walk(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES:
            yield path
