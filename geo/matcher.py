"""Multi-pattern phrase matching: one automaton pass, word boundaries per script.

A :class:`PhraseAutomaton` holds any number of folded phrases and finds them all in one pass
over a text (Aho-Corasick over the UTF-8 bytes, via ``ahocorasick_rs``: time linear in the
text, not in the number of phrases). Case and letter variants are handled without lower-casing
the whole text in Unicode: the bytes are lower-cased in ASCII, same-length variants (Arabic
أ/إ/آ to ا, ة to ه, ى to ي, hyphen to space) are replaced in place, and each phrase is stored
with its non-ASCII capitals and typographic apostrophes spelled out. Texts holding ignorable
marks (diacritics, tatweel) are reported so the caller can fold them first
(:func:`geo.textnorm.fold`).

A hit counts only at word boundaries; before an Arabic or Hebrew phrase, attached one-letter
prefixes (Arabic و ب ل ف ك and ال, Hebrew ב ה ו ל מ ש כ and their combinations) are allowed
and stay outside the match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick_rs

from geo.textnorm import IGNORABLE_CHARS, fold, is_word_char

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


# Same-length (in UTF-8) replacements applied to the text's bytes before matching.
_VARIANTS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ة", "ه"), ("ى", "ي"), ("-", " "))
_BYTE_REPLACEMENTS = tuple((source.encode(), target.encode()) for source, target in _VARIANTS)
_APOSTROPHES = ("\u2019", "\u02bc")
_MAX_CASE_VARIANTS = 3  # non-ASCII capitals spelled out in every combination up to this many


class NeedsFolding(Exception):
    """The text holds ignorable marks: fold it (geo.textnorm.fold) and search the folded text."""


def byte_fold(text: str) -> bytes:
    """Return the UTF-8 bytes of ``text``, ASCII lower-cased, with same-length variants replaced."""
    data = text.encode("utf-8", "surrogatepass").lower()
    if data.isascii():
        return data.replace(b"-", b" ") if b"-" in data else data
    for source, target in _BYTE_REPLACEMENTS:
        if source in data:
            data = data.replace(source, target)
    return data


def spellings(phrase: str) -> set[str]:
    """Return the ways a folded phrase can appear after :func:`byte_fold`.

    Non-ASCII letters keep their case in the bytes, so their capitals are spelled out (every
    combination for up to three such letters, else all-lower, word-initial and all-upper);
    an ASCII apostrophe may also be written as a typographic one.
    """
    cased = [
        i
        for i, ch in enumerate(phrase)
        if not ch.isascii() and len(ch.upper()) == 1 and ch.upper() != ch
    ]
    forms = {phrase}
    if len(cased) <= _MAX_CASE_VARIANTS:
        for mask in range(1, 2 ** len(cased)):
            chars = list(phrase)
            for bit, index in enumerate(cased):
                if mask >> bit & 1:
                    chars[index] = chars[index].upper()
            forms.add("".join(chars))
    else:
        forms.add(" ".join(w[:1].upper() + w[1:] for w in phrase.split(" ")))
        forms.add("".join(ch.upper() if i in cased else ch for i, ch in enumerate(phrase)))
    if "'" in phrase:
        forms |= {form.replace("'", mark) for form in forms for mark in _APOSTROPHES}
    return forms


class PhraseAutomaton(Generic[T]):
    """An Aho-Corasick automaton over folded phrases, each with a payload.

    Parameters
    ----------
    phrases
        ``(folded phrase, payload)`` pairs (see :func:`geo.textnorm.fold_phrase`). A phrase
        given twice keeps its first payload.
    """

    def __init__(self, phrases: Iterable[tuple[str, T]]) -> None:
        self._payloads: list[T] = []
        keys: list[bytes] = []
        owners: list[int] = []
        seen: set[str] = set()
        for phrase, payload in phrases:
            if not phrase or phrase in seen:
                continue
            seen.add(phrase)
            for form in sorted(spellings(phrase)):
                keys.append(form.encode("utf-8", "surrogatepass"))
                owners.append(len(self._payloads))
            self._payloads.append(payload)
        self._ignorable = len(keys)
        keys += [char.encode() for char in IGNORABLE_CHARS]
        self._owners = owners
        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            keys, implementation=ahocorasick_rs.Implementation.ContiguousNFA
        )

    def __len__(self) -> int:
        return len(self._payloads)

    def raw_hits(self, text: str, end: int | None = None) -> list[Hit[T]]:
        """Return every occurrence in ``text[:end]`` (character offsets), boundaries unchecked.

        Raises
        ------
        NeedsFolding
            When the text holds ignorable marks (search ``geo.textnorm.fold(text).text``).
        """
        scope = text if end is None or end >= len(text) else text[:end]
        data = byte_fold(scope)
        matches = self._automaton.find_matches_as_indexes(data, overlapping=True)
        if not matches:
            return []
        ignorable = self._ignorable
        if any(index >= ignorable for index, _, _ in matches):
            raise NeedsFolding(scope[:40])
        owners, payloads = self._owners, self._payloads
        if data.isascii():
            return [Hit(s, e, payloads[owners[i]]) for i, s, e in matches]
        return [
            Hit(start, end, payloads[owners[i]])
            for (i, _, _), (start, end) in zip(matches, _char_spans(data, matches), strict=True)
        ]

    def find(self, text: str, end: int | None = None) -> list[Hit[T]]:
        """Return the hits at word boundaries, leftmost-longest, without overlaps.

        Parameters
        ----------
        text
            The text to search (folded or not: case and letter variants are handled here;
            ignorable marks are removed first when the text holds any).
        end
            Search only ``text[:end]``; a hit must end by ``end``.
        """
        try:
            hits = self.raw_hits(text, end)
            searched = text
        except NeedsFolding:
            folded = fold(text if end is None else text[:end])
            hits = [
                Hit(*folded.span(h.start, h.end), h.payload)
                for h in self.raw_hits(folded.text)
                if at_boundaries(folded.text, h)
            ]
            return leftmost_longest(hits)
        return leftmost_longest(h for h in hits if at_boundaries(searched, h))


def _char_spans(data: bytes, matches: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Convert byte spans of UTF-8 ``data`` to character spans (matches start at characters)."""
    order = sorted(range(len(matches)), key=lambda k: matches[k][1])
    spans: list[tuple[int, int]] = [(0, 0)] * len(matches)
    byte_at, char_at = 0, 0
    for k in order:
        _, start, end = matches[k]
        char_at += len(data[byte_at:start].decode("utf-8", "surrogatepass"))
        byte_at = start
        spans[k] = (char_at, char_at + len(data[start:end].decode("utf-8", "surrogatepass")))
    return spans


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
