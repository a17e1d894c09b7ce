"""Extraction on every core: a process pool that finds mentions and context places in texts.

Extraction is pure CPU work in Python, so threads would share one core. Where processes can be
forked (Linux), workers start as copies of this process and share its built extractor;
elsewhere each builds its own :class:`~geo.extract.mentions.Extractor` from the same aliases.
Workers take chunks of texts. With one worker everything runs in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import partial
from types import TracebackType
from typing import Any, Self

from geo.extract.context import mentions_and_places
from geo.extract.geonames import ContextPlace
from geo.extract.mentions import Extractor
from geo.model import Mention

Extracted = tuple[list[Mention], list[ContextPlace]] | Exception
"""A text's mentions and context places, or the error extracting it raised."""

_worker_extractor: Extractor | None = None


def default_workers() -> int:
    """The cores this process may use (at least 1)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


class ExtractionPool:
    """Extract many texts at once, on ``workers`` processes (1: in this process).

    Parameters
    ----------
    extractor
        The extractor to use; worker processes rebuild it from its aliases and kinds.
    workers
        Number of processes; ``None`` uses every core this process may run on.
    """

    def __init__(self, extractor: Extractor, workers: int | None = None) -> None:
        workers = default_workers() if workers is None else workers
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        self.extractor = extractor
        self.workers = workers
        self._executor: Executor | None = None

    def __enter__(self) -> Self:
        if self.workers <= 1:
            return self
        if "fork" in multiprocessing.get_all_start_methods():
            # Forked workers share the extractor and the place-name matcher built here
            # (seconds to build per process otherwise); build both before forking.
            mentions_and_places(self.extractor, "Cairo")
            context: Any = multiprocessing.get_context("fork")
            initargs: tuple[Any, ...] = (self.extractor,)
        else:
            context = multiprocessing.get_context("spawn")
            initargs = (self.extractor.aliases, self.extractor.kinds)
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=initargs,
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def submit(self, texts: Sequence[str]) -> Callable[[], list[Extracted]]:
        """Start extracting ``texts`` on the pool; call the result to wait for them, in order.

        With one worker the texts are extracted when the result is called.
        """
        if self._executor is None or len(texts) < 2:
            return partial(_extract_all, self.extractor, list(texts))
        size = -(-len(texts) // self.workers)
        futures = [
            self._executor.submit(_extract_chunk, texts[i : i + size])
            for i in range(0, len(texts), size)
        ]
        return lambda: [found for future in futures for found in future.result()]

    def extract(self, texts: Sequence[str]) -> list[Extracted]:
        """Return each text's mentions and places (or its error), in the order given."""
        return self.submit(texts)()


def _start_worker(*spec: Any) -> None:
    """Keep the worker's extractor: the parent's (forked), or one built from its aliases."""
    global _worker_extractor
    _worker_extractor = spec[0] if len(spec) == 1 else Extractor(*spec)


def _extract_chunk(texts: Sequence[str]) -> list[Extracted]:
    """Extract a chunk of texts in a worker process."""
    assert _worker_extractor is not None, "worker started without its extractor"
    return _extract_all(_worker_extractor, texts)


def _extract_all(extractor: Extractor, texts: Sequence[str]) -> list[Extracted]:
    """Extract each text; an error is kept in place of its result, never raised."""
    results: list[Extracted] = []
    for text in texts:
        try:
            results.append(mentions_and_places(extractor, text))
        except Exception as error:  # one bad text must not lose the others
            results.append(error)
    return results
