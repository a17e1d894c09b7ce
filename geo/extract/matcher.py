"""Multi-pattern phrase matching: one scan over the text, word boundaries per script.

A :class:`PhraseAutomaton` holds any number of folded phrases and finds them all in one pass
over a text's UTF-8 bytes (Hyperscan's multi-literal matcher: time linear in the text and
nearly independent of the number of phrases). The text itself is never folded for the scan:
the database ignores ASCII case, each phrase character also matches the characters that fold
to it (a hyphen for a space, أ/إ/آ/ٱ for ا, ة for ه, ى for ي), and each phrase is stored with
its non-ASCII capitals and typographic apostrophes spelled out. Texts holding ignorable marks
(diacritics, tatweel) are reported so the caller can fold them first
(:func:`geo.extract.textnorm.fold`).

A hit counts only at word boundaries; before an Arabic or Hebrew phrase, attached one-letter
prefixes (Arabic و ب ل ف ك and ال, Hebrew ב ה ו ל מ ש כ and their combinations) are allowed
and stay outside the match. Short phrases are matched at ASCII word boundaries by the scan
itself; the rest are checked on the bytes and characters around each occurrence.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product
from typing import Generic, NamedTuple, TypeVar

import hyperscan

from geo.extract.textnorm import IGNORABLE_CHARS, fold, is_word_char

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


class Hit(NamedTuple, Generic[T]):
    """One phrase found in folded text: ``[start, end)`` and the phrase's payload."""

    start: int
    end: int
    payload: T


# Same-length letter replacements that folding makes. The text's bytes are scanned unfolded,
# so a phrase holding ا, ه or ي is found through a part without them and then checked.
_VARIANTS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ة", "ه"), ("ى", "ي"))
_BYTE_VARIANTS = tuple((source.encode(), target.encode()) for source, target in _VARIANTS)
_VARIANT_TARGETS = frozenset(target for _, target in _VARIANTS)
_VARIANT_SOURCES = {
    target: [target] + [source for source, to in _VARIANTS if to == target]
    for target in _VARIANT_TARGETS
}
# Characters that folding replaces (and ASCII capitals): a phrase holding one never matches.
_FOLDED_AWAY = frozenset("-" + "".join(s for s, _ in _VARIANTS) + "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_APOSTROPHES = ("\u2019", "\u02bc")
_MAX_CASE_VARIANTS = 3  # non-ASCII capitals spelled out in every combination up to this many
_MAX_ANCHOR_SPELLINGS = 10  # literals scanned for one spelling of a phrase, at most
# Literals of at most this many bytes are matched at ASCII word boundaries inside the scan:
# short names occur inside longer words often ("uran" in "durante"), and those occurrences
# then never reach Python. Longer literals are checked after the scan (compiling boundaries
# for thousands of them would take seconds).
_BOUNDED_IN_SCAN = 6

# What a byte next to a hit says about the character there: 0 an ASCII non-word character,
# 1 an ASCII letter or digit, 2 part of a non-ASCII character (decided on the characters).
_BYTE_CLASS = bytes(int(chr(b).isalnum()) if b < 128 else 2 for b in range(256))


class NeedsFolding(Exception):
    """The text holds ignorable marks: fold it (``textnorm.fold``) and search the folded text."""


def spellings(phrase: str) -> set[str]:
    """Return the ways a folded phrase can be written, beyond ASCII case and letter variants.

    Non-ASCII letters are matched as written, so their capitals are spelled out (every
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


def _encode(text: str) -> bytes:
    """Return the UTF-8 bytes of ``text`` with hyphens as spaces (both non-word characters)."""
    data = text.encode("utf-8", "surrogatepass")
    return data.replace(b"-", b" ") if b"-" in data else data


def _fold_bytes(data: bytes) -> bytes:
    """Return a short piece of encoded text ASCII lower-cased, with letter variants replaced."""
    data = data.lower()
    for source, target in _BYTE_VARIANTS:
        if source in data:
            data = data.replace(source, target)
    return data


def _anchor(form: str) -> tuple[list[str], int]:
    """Return the literals to scan for ``form``, and their character offset in it.

    The literals spell out, in every way folding allows, the longest part of the form whose
    letters ا, ه and ي can be written in at most :data:`_MAX_ANCHOR_SPELLINGS` ways; a form
    without those letters is its own literal. A hit on a literal shorter than its form is
    checked against the whole form.
    """
    best = (0, 0)
    for start in range(len(form)):
        ways = 1
        for end in range(start, len(form)):
            ways *= len(_VARIANT_SOURCES.get(form[end], ())) or 1
            if ways > _MAX_ANCHOR_SPELLINGS:
                break
            if end + 1 - start > best[1] - best[0]:
                best = (start, end + 1)
    start, end = best
    options = [_VARIANT_SOURCES.get(char, [char]) for char in form[start:end]]
    return ["".join(letters) for letters in product(*options)], start


@dataclass(frozen=True, slots=True)
class _Spelling:
    """One way of writing a phrase, as the scan sees it."""

    owner: int  # index of the phrase's payload
    encoded: bytes
    length: int  # in characters


class _Literal(NamedTuple):
    """What a literal in the database stands for."""

    spelling: int
    reach: int  # bytes from the spelling's start to the literal's end
    size: int  # the spelling's length in bytes
    partial: bool  # the literal is part of the spelling: check the rest
    first_is_word: bool  # the spelling's first and last characters are word characters
    last_is_word: bool
    trailing: bool  # a match may end one byte past the literal (the byte after a boundary)


def _expression(literal: bytes, bounded: bool) -> tuple[bytes, bool]:
    """Return the scan's regex for ``literal``, and whether a match may end one byte past it.

    With ``bounded``, an ASCII letter or digit at either end of the literal must not touch
    another: the scan reads the byte before and after it (any byte but an ASCII letter or
    digit) or the start or end of the text.
    """
    body = b"".join(
        bytes((byte,)) if _BYTE_CLASS[byte] == 1 else b"\\x%02x" % byte for byte in literal
    )
    if not bounded:
        return body, False
    before = _BYTE_CLASS[literal[0]] == 1
    after = _BYTE_CLASS[literal[-1]] == 1
    return (
        (b"(?:^|[^a-z0-9])" if before else b"") + body + (b"(?:[^a-z0-9]|$)" if after else b""),
        after,
    )


class PhraseAutomaton(Generic[T]):
    """A multi-phrase matcher over folded phrases, each with a payload.

    Parameters
    ----------
    phrases
        ``(folded phrase, payload)`` pairs (see :func:`geo.extract.textnorm.fold_phrase`). A phrase
        given twice keeps its first payload.
    boundaries_in_scan
        Match short phrases only at ASCII word boundaries, inside the scan (faster). False
        keeps every occurrence for :meth:`raw_hits`.
    """

    def __init__(
        self, phrases: Iterable[tuple[str, T]], *, boundaries_in_scan: bool = True
    ) -> None:
        self._boundaries_in_scan = boundaries_in_scan
        self._payloads: list[T] = []
        self._spellings: list[_Spelling] = []
        self._literals: list[_Literal] = []
        expressions: list[bytes] = []
        seen: set[str] = set()
        for phrase, payload in phrases:
            if not phrase or phrase in seen:
                continue
            seen.add(phrase)
            for form in sorted(spellings(phrase)):
                if _FOLDED_AWAY.intersection(form):
                    continue
                encoded = form.encode("utf-8", "surrogatepass")
                index = len(self._spellings)
                self._spellings.append(_Spelling(len(self._payloads), encoded, len(form)))
                anchors, offset = _anchor(form)
                for anchor in anchors:
                    literal = anchor.encode("utf-8", "surrogatepass")
                    partial = len(anchor) < len(form)
                    expression, trailing = _expression(
                        literal,
                        boundaries_in_scan and not partial and len(literal) <= _BOUNDED_IN_SCAN,
                    )
                    expressions.append(expression)
                    self._literals.append(
                        _Literal(
                            index,
                            len(form[:offset].encode("utf-8", "surrogatepass")) + len(literal),
                            len(encoded),
                            partial,
                            is_word_char(form[0]),
                            is_word_char(form[-1]),
                            trailing,
                        )
                    )
            self._payloads.append(payload)
        self._ignorable = len(expressions)
        expressions += [_expression(char.encode(), False)[0] for char in IGNORABLE_CHARS]
        self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._database.compile(
            expressions=expressions,
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=hyperscan.HS_FLAG_CASELESS,
        )
        del expressions
        _release_freed_memory()
        self._local = threading.local()

    def __len__(self) -> int:
        return len(self._payloads)

    def _scan(self, data: bytes, boundaries: bool) -> list[tuple[int, int, int, bool]]:
        """Return ``(byte end, byte start, spelling, unsure)`` for the occurrences in ``data``.

        ``data`` is the text's UTF-8 with hyphens as spaces (:func:`_encode`). With
        ``boundaries``, occurrences that an ASCII byte beside them puts inside a word are left
        out, and ``unsure`` marks those beside other characters (to check on the characters).
        Overlaps are kept; the list is in scan order (by end, then longest first).

        Raises
        ------
        NeedsFolding
            When the text holds ignorable marks.
        """
        scratch = _scratch(self._local, self._database)
        found: list[tuple[int, int, int, bool]] = []
        add, literals, ignorable = found.append, self._literals, self._ignorable
        size, byte_class, spellings = len(data), _BYTE_CLASS, self._spellings

        def on_match(key: int, _from: int, end: int, _flags: int, _context: object) -> None:
            if key >= ignorable:
                raise NeedsFolding(data[:40].decode("utf-8", "replace"))
            spelling, reach, length, partial, first_is_word, last_is_word, trailing = literals[key]
            if trailing and byte_class[data[end - 1]] != 1:
                end -= 1  # the scan read the byte after the literal
            start = end - reach
            stop = start + length
            if partial and (
                start < 0 or _fold_bytes(data[start:stop]) != spellings[spelling].encoded
            ):
                return
            if not boundaries:
                add((stop, start, spelling, False))
                return
            after = byte_class[data[stop]] if last_is_word and stop < size else 0
            before = byte_class[data[start - 1]] if first_is_word and start else 0
            if after != 1 and before != 1:
                add((stop, start, spelling, after == 2 or before == 2))

        if data:
            self._database.scan(data, on_match, scratch=scratch)
        found.sort()
        return found

    def raw_hits(self, text: str, end: int | None = None) -> list[Hit[T]]:
        """Return every occurrence in ``text[:end]`` (character offsets), boundaries unchecked.

        Hits come in scan order: by end, then longest first. Needs an automaton built with
        ``boundaries_in_scan=False``.

        Raises
        ------
        NeedsFolding
            When the text holds ignorable marks (search ``geo.extract.textnorm.fold(text).text``).
        ValueError
            When the automaton checks boundaries inside its scan.
        """
        if self._boundaries_in_scan:
            raise ValueError("raw hits need an automaton built with boundaries_in_scan=False")
        scope = text if end is None or end >= len(text) else text[:end]
        data = _encode(scope)
        return self._hits(data, self._scan(data, boundaries=False))

    def boundary_hits(self, text: str) -> list[Hit[T]]:
        """Return the hits at word boundaries in ``text``, in scan order, overlaps kept.

        Raises
        ------
        NeedsFolding
            When the text holds ignorable marks (search ``geo.extract.textnorm.fold(text).text``).
        """
        data = _encode(text)
        return self._hits(data, self._scan(data, boundaries=True), text)

    def _hits(
        self, data: bytes, found: list[tuple[int, int, int, bool]], text: str | None = None
    ) -> list[Hit[T]]:
        """Turn ``(byte end, byte start, spelling, unsure)``, by end, into character hits.

        With ``text``, the unsure ones are kept only at word boundaries of ``text``.
        """
        spellings, payloads = self._spellings, self._payloads
        hits: list[Hit[T]] = []
        ascii_only = data.isascii()
        byte_at = char_at = 0
        for stop, _, index, unsure in found:
            if ascii_only:
                char_at = stop
            elif stop != byte_at:  # decode the text between ends once
                char_at += len(data[byte_at:stop].decode("utf-8", "surrogatepass"))
                byte_at = stop
            spelling = spellings[index]
            hit = Hit(char_at - spelling.length, char_at, payloads[spelling.owner])
            if not unsure or text is None or at_boundaries(text, hit):
                hits.append(hit)
        return hits

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
        scope = text if end is None or end >= len(text) else text[:end]
        try:
            return leftmost_longest(self.boundary_hits(scope))
        except NeedsFolding:
            folded = fold(scope)
            hits = [
                Hit(*folded.span(h.start, h.end), h.payload)
                for h in self.boundary_hits(folded.text)
            ]
            return leftmost_longest(hits)


def at_boundaries(text: str, hit: Hit[T]) -> bool:
    """Return True when ``hit`` is a whole word (or word run) of ``text``.

    The character after the hit must not continue a word: an apostrophe never does, not even
    the letter apostrophe U+02BC (Turkish case endings: "Refahʼtan"). The character before it
    must not either, unless the letters from the start of the word form an allowed prefix.
    """
    start, end = hit.start, hit.end
    if (
        end < len(text)
        and is_word_char(text[end])
        and text[end] != "\u02bc"
        and is_word_char(text[end - 1])
    ):
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


class LiteralSet:
    """Which of a fixed set of strings occur in a text: anywhere in it, case as written.

    One Hyperscan scan of the text's UTF-8 (a quick check for short texts).

    Parameters
    ----------
    literals
        The strings to look for; empty ones are ignored.
    """

    def __init__(self, literals: Iterable[str]) -> None:
        self._literals = sorted({literal for literal in literals if literal})
        if not self._literals:
            raise ValueError("a LiteralSet needs at least one non-empty string")
        encoded = [literal.encode("utf-8", "surrogatepass") for literal in self._literals]
        self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._database.compile(
            expressions=encoded,
            ids=list(range(len(encoded))),
            elements=len(encoded),
            flags=hyperscan.HS_FLAG_SINGLEMATCH,
            literal=True,
        )
        self._local = threading.local()

    def found(self, text: str) -> set[str]:
        """Return the strings of the set that occur in ``text``."""
        data = text.encode("utf-8", "surrogatepass")
        if not data:
            return set()
        keys: set[int] = set()
        add = keys.add

        def on_match(key: int, _from: int, _to: int, _flags: int, _context: object) -> None:
            add(key)

        self._database.scan(data, on_match, scratch=_scratch(self._local, self._database))
        return {self._literals[key] for key in keys}


def _scratch(local: threading.local, database: hyperscan.Database) -> hyperscan.Scratch:
    """Return this thread's scratch space for ``database`` (Hyperscan needs one per thread)."""
    scratch: hyperscan.Scratch | None = getattr(local, "scratch", None)
    if scratch is None:
        scratch = local.scratch = hyperscan.Scratch(database)
    return scratch


def _release_freed_memory() -> None:
    """Give back to the system the heap that Hyperscan's compiler used and freed (glibc).

    Compiling thousands of literals takes tens of MB for a moment; without this the process
    keeps them. Elsewhere than on glibc this does nothing.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
