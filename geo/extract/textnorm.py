"""Offset-safe text folding for matching: case, letter variants, and ignorable marks.

Matching runs on a *folded* copy of an article. Folding never moves an offset the caller
sees: one-to-one replacements keep length, and when ignorable marks (Arabic diacritics and
tatweel, Hebrew points, combining accents, soft hyphens, zero-width characters) must be
removed, :class:`Folded` keeps a map from each folded position back to the original text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

# One-to-one replacements applied after lower-casing: Arabic letter variants, typographic
# apostrophes and hyphens, no-break spaces. Each is applied only when present (a fast scan).
_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("أ", "ا"),
    ("إ", "ا"),
    ("آ", "ا"),
    ("ٱ", "ا"),
    ("ة", "ه"),
    ("ى", "ي"),
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u02bc", "'"),
    ("\u05f3", "'"),
    ("-", " "),
    ("\u2010", " "),
    ("\u2011", " "),
    ("\u00a0", " "),
    ("\u202f", " "),
)

# Characters that are dropped before matching (they never change what a word is), as ranges.
_IGNORABLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0610, 0x061A),  # Arabic small marks
    (0x064B, 0x065F),  # Arabic harakat
    (0x0670, 0x0670),  # superscript alef
    (0x06D6, 0x06ED),  # Quranic marks
    (0x0640, 0x0640),  # tatweel
    (0x0591, 0x05BD),  # Hebrew cantillation and points
    (0x05BF, 0x05BF),
    (0x05C1, 0x05C2),
    (0x05C4, 0x05C5),
    (0x05C7, 0x05C7),
    (0x0300, 0x036F),  # combining diacritics
    (0x00AD, 0x00AD),  # soft hyphen
    (0x200B, 0x200F),  # zero-width characters and direction marks
    (0x2060, 0x2060),
    (0xFEFF, 0xFEFF),
)
IGNORABLE_CHARS = tuple(chr(c) for low, high in _IGNORABLE_RANGES for c in range(low, high + 1))
_IGNORABLE_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in _IGNORABLE_RANGES)
_IGNORABLE = re.compile(f"[{_IGNORABLE_CLASS}]")
_KEPT_RUN = re.compile(f"[^{_IGNORABLE_CLASS}]+")


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded copy of a text, with the map from folded to original offsets.

    ``positions`` is None when folding removed nothing (offsets are shared); otherwise
    ``positions[j]`` is the original offset of folded character ``j`` and the list ends with
    ``len(original)``.
    """

    text: str
    positions: list[int] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original ``(start, end)`` of the folded span ``[start, end)``.

        The end extends over ignorable marks that follow the last character, so a word's
        trailing diacritics belong to it.
        """
        if self.positions is None:
            return start, end
        return self.positions[start], self.positions[end]

    def folded_offset(self, original: int) -> int:
        """Return the folded offset of the first kept character at or after ``original``."""
        if self.positions is None:
            return original
        return bisect_right(self.positions, original - 1)


def _fold_char(char: str) -> str:
    """Lower-case one character to exactly one character (``'İ'`` gives ``'i'``)."""
    lowered = char.lower()
    if len(lowered) == 1:
        return lowered
    base = unicodedata.normalize("NFD", lowered)[0]
    return base if len(base) == 1 else char


def _lower_same_length(text: str) -> str:
    """Lower-case ``text`` without changing its length."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(_fold_char(char) for char in text)


def _replace_variants(text: str) -> str:
    """Apply the one-to-one letter replacements that occur in ``text``."""
    if text.isascii():
        return text.replace("-", " ") if "-" in text else text
    for source, target in _REPLACEMENTS:  # no target is a source: the order does not matter
        if source in text:
            text = text.replace(source, target)
    return text


def fold_same_length(text: str) -> str:
    """Return ``text`` lower-cased with one-to-one replacements; ignorable marks stay.

    This is ``fold(text).text`` for a text without ignorable marks, at less cost.
    """
    return _replace_variants(_lower_same_length(text))


def fold(text: str) -> Folded:
    """Fold ``text`` for matching: lower case, letter variants, ignorable marks removed.

    Parameters
    ----------
    text
        Any string.

    Returns
    -------
    Folded
        The folded text, and the offset map when marks were removed.
    """
    folded = _replace_variants(_lower_same_length(text))
    if folded.isascii() or _IGNORABLE.search(folded) is None:
        return Folded(folded, None)
    pieces: list[str] = []
    positions: list[int] = []
    for run in _KEPT_RUN.finditer(folded):
        pieces.append(run.group())
        positions.extend(range(run.start(), run.end()))
    positions.append(len(text))
    return Folded("".join(pieces), positions)


def fold_phrase(phrase: str) -> str:
    """Fold a name the way :func:`fold` folds text, collapsing runs of spaces."""
    return " ".join(fold(phrase).text.split())


def strip_accents(phrase: str) -> str:
    """Return ``phrase`` without Latin accents (``'frontière'`` gives ``'frontiere'``)."""
    decomposed = unicodedata.normalize("NFD", phrase)
    return unicodedata.normalize("NFC", _IGNORABLE.sub("", decomposed))


def is_word_char(char: str) -> bool:
    """Return True for letters, digits and combining marks (characters inside a word)."""
    return char.isalnum() or unicodedata.category(char).startswith("M")


def word_set(words: str) -> frozenset[str]:
    """Return the white-space separated words of ``words`` as a set (for word lists)."""
    return frozenset(words.split())
