"""Multi-pattern phrase matching on folded text: one automaton pass, word boundaries per script.

A :class:`PhraseAutomaton` holds any number of folded phrases and finds them all in one pass
over a text (Aho-Corasick: time linear in the text, not in the number of phrases). A hit counts
only at word boundaries; before an Arabic or Hebrew phrase, attached one-letter prefixes
(Arabic و ب ل ف ك and ال, Hebrew ב ה ו ל מ ש כ and their combinations) are allowed and stay
outside the match.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

from geo.textnorm import is_word_char

T = TypeVar("T")

_ARABIC_CONJUNCTIONS = ("", "و", "ف")
_ARABIC_PREPOSITIONS = ("", "ب", "ك", "ل")
_ARABIC_PREFIXES = frozenset(
    {c + p + a for c in _ARABIC_CONJUNCTIONS for p in _ARABIC_PREPOSITIONS for a in ("", "ال")}
    | {c + "لل" for c in _ARABIC_CONJUNCTIONS}
    | {"وس", "فس"}
) - {""}
_HEBREW_PREFIX_LETTERS = frozenset("בהולמשכ")
_MAX_HEBREW_PREFIX = 3


def is_arabic(char: str) -> bool:
    """Return True for a character of the Arabic blocks."""
    return "\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f"


def is_hebrew(char: str) -> bool:
    """Return True for a character of the Hebrew block."""
    return "\u0590" <= char <= "\u05ff"


def allowed_prefix(prefix: str, first_char: str) -> bool:
    """Return True when ``prefix`` may be attached before a phrase starting with ``first_char``.

    Parameters
    ----------
    prefix
        The letters between the start of the word and the start of the phrase (folded).
    first_char
        The first character of the phrase.
    """
    if is_arabic(first_char):
        return prefix in _ARABIC_PREFIXES
    if is_hebrew(first_char):
        return len(prefix) <= _MAX_HEBREW_PREFIX and set(prefix) <= _HEBREW_PREFIX_LETTERS
    return False


def word_start(text: str, index: int) -> int:
    """Return the start of the word that contains ``text[index - 1]`` (or ``index``)."""
    while index > 0 and is_word_char(text[index - 1]):
        index -= 1
    return index


@dataclass(frozen=True, slots=True)
class Hit(Generic[T]):
    """One phrase found in folded text: ``[start, end)`` and the phrase's payload."""

    start: int
    end: int
    payload: T


class PhraseAutomaton(Generic[T]):
    """An Aho-Corasick automaton over folded phrases, each with a payload.

    Parameters
    ----------
    phrases
        ``(folded phrase, payload)`` pairs. A phrase given twice keeps its first payload.
    """

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._payloads: list[T] = []
        self._automaton = ahocorasick.Automaton()
        for phrase, payload in phrases:
            if not phrase or phrase in self._automaton:
                continue
            self._automaton.add_word(phrase, (len(phrase), len(self._payloads)))
            self._payloads.append(payload)
        if self._payloads:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._payloads)

    def raw_hits(self, text: str, end: int | None = None) -> Iterator[Hit[T]]:
        """Yield every occurrence in ``text[:end]``, boundaries not yet checked."""
        if not self._payloads:
            return
        limit = len(text) if end is None else min(end, len(text))
        payloads = self._payloads
        for last, (length, index) in self._automaton.iter(text, 0, limit):
            yield Hit(last + 1 - length, last + 1, payloads[index])

    def find(self, text: str, end: int | None = None) -> list[Hit[T]]:
        """Return the hits at word boundaries, leftmost-longest, without overlaps.

        Parameters
        ----------
        text
            Folded text (see :func:`geo.textnorm.fold`).
        end
            Search only ``text[:end]``; a hit must end by ``end``.
        """
        candidates = [hit for hit in self.raw_hits(text, end) if at_boundaries(text, hit)]
        return leftmost_longest(candidates)


def at_boundaries(text: str, hit: Hit[T]) -> bool:
    """Return True when ``hit`` is a whole word (or word run) of ``text``.

    The character after the hit must not continue a word. The character before it must not
    either, unless the letters from the start of the word form an allowed prefix.
    """
    start, end = hit.start, hit.end
    if end < len(text) and is_word_char(text[end]) and is_word_char(text[end - 1]):
        return False
    if start == 0 or not is_word_char(text[start - 1]) or not is_word_char(text[start]):
        return True
    begin = word_start(text, start)
    return allowed_prefix(text[begin:start], text[start])


def leftmost_longest(hits: Iterable[Hit[T]]) -> list[Hit[T]]:
    """Keep, scanning left to right, the longest hit at each start that overlaps no kept hit."""
    kept: list[Hit[T]] = []
    covered = 0
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.start >= covered:
            kept.append(hit)
            covered = hit.end
    return kept
