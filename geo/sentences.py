"""Sentence spans with offsets: line breaks, end punctuation, quotes and abbreviations.

Lookups are lazy: the sentence around an offset is found by scanning from that offset to the
next sentence end and back to the previous one, so a long text is never split as a whole.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from geo.textnorm import word_set

# Lower-cased abbreviations (without the final dot) after which a dot does not end a sentence.
ABBREVIATIONS = word_set(
    """
    mr mrs ms dr prof gen lt col sgt capt cpt maj adm gov sen rep pres st mt ft jr sr
    vol fig pp ca approx vs etc e.g i.e cf inc ltd corp bros dept
    jan feb apr jun jul aug sep sept oct nov dec
    u.s u.k u.n e.u u.s.a a.m p.m
    mme mlle mgr bd sig dott avv hr nr bzw usw z.b evtl
    """
)

# Abbreviations that count only before a number ("No. 5", "p. 12").
_BEFORE_NUMBER = frozenset({"no", "nos", "nr", "p", "art"})
_LONGEST_ABBREVIATION = max(map(len, ABBREVIATIONS | _BEFORE_NUMBER))

# A sentence ends after . ! ? … ؟ (and closing quotes or brackets) followed by white space.
_END_MARKS = ".!?…؟。"
_CLOSERS = ")]\"'’”»"
_MARK_CHARS = _END_MARKS + _CLOSERS
_END = re.compile(rf"[{re.escape(_END_MARKS)}]+[{re.escape(_CLOSERS)}]*(?=\s)")
_PARAGRAPH = re.compile(r"[^\n]+")
_WORD_CHARS = re.compile(r"[\w.]+")
_NON_SPACE = re.compile(r"\S")
_OPENERS = "\"'“‘«„(—–-["


def _is_abbreviation(text: str, dot: int, floor: int, limit: int) -> bool:
    """Return True when the dot at ``text[dot]`` closes an abbreviation or an initial.

    ``floor`` and ``limit`` bound the paragraph; the word is read at most 24 characters back.
    """
    if dot - _LONGEST_ABBREVIATION > floor and _WORD_CHARS.fullmatch(
        text, dot - _LONGEST_ABBREVIATION - 1, dot
    ):
        return False  # the word before the dot is longer than any abbreviation
    low = max(floor, dot - 24)
    space = text.rfind(" ", low, dot)
    if space >= 0 and _WORD_CHARS.fullmatch(text, space + 1, dot):
        word = text[space + 1 : dot]
    else:  # the longest run of word characters and dots before the dot
        found = _WORD_CHARS.match(text[low:dot][::-1])
        if found is None:
            return False
        word = found.group()[::-1]
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True
    lower = word.lower()
    if lower in _BEFORE_NUMBER and text[dot + 1 : min(dot + 3, limit)].strip()[:1].isdigit():
        return True
    return lower in ABBREVIATIONS


def _starts_sentence(text: str, index: int, limit: int) -> bool:
    """Return True when the text from ``index`` can open a sentence."""
    for char in text[index : min(index + 3, limit)]:
        if char.isspace() or char in _OPENERS:
            continue
        return not char.islower()
    return True


def _ends_sentence(text: str, mark: re.Match[str], floor: int, limit: int) -> bool:
    """Return True when the end mark ``mark`` closes a sentence of paragraph ``[floor, limit)``.

    It does unless what follows starts in lower case, or a single dot closes an abbreviation.
    """
    end = mark.end()
    following = end + 1  # the mark is followed by white space
    if following < limit and text[following].isspace():
        found = _NON_SPACE.search(text, following, limit)
        following = limit if found is None else found.start()
    if following < limit and not _starts_sentence(text, following, limit):
        return False
    punct = mark.group()
    single_dot = punct == "." or (punct[0] == "." and len(punct.rstrip(_CLOSERS)) == 1)
    return not (single_dot and _is_abbreviation(text, mark.start(), floor, limit))


def _stripped(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Return ``(start, end)`` of ``text[start:end]`` without surrounding white space, if any."""
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return None
    left = start + len(chunk) - len(chunk.lstrip())
    return left, left + len(stripped)


def _first_mark(text: str, start: int, limit: int, marks: str = _END_MARKS) -> int:
    """Return the index of the first end mark character in ``text[start:limit]``, or ``limit``.

    ``marks`` may leave out mark characters that the text does not hold.
    """
    first = limit
    for char in marks:
        found = text.find(char, start, first)
        if found >= 0:
            first = found
    return first


def _last_mark(text: str, floor: int, upto: int, marks: str = _END_MARKS) -> int:
    """Return the index of the last end mark character in ``text[floor:upto]``, or -1."""
    last = -1
    for char in marks:
        found = text.rfind(char, max(floor, last + 1), upto)
        if found > last:
            last = found
    return last


def _sentence_end(text: str, offset: int, floor: int, limit: int, marks: str = _END_MARKS) -> int:
    """Return where the sentence holding ``offset`` ends (before white space or ``limit``).

    The end marks after ``offset`` are tried where their first character is, as
    ``_END.finditer(text, offset, limit)`` would find them.
    """
    at = offset
    while (at := _first_mark(text, at, limit, marks)) < limit:
        mark = _END.match(text, at, limit)
        if mark is None:
            at += 1
        elif _ends_sentence(text, mark, floor, limit):
            return mark.end()
        else:
            at = mark.end()
    return limit


def _sentence_start(text: str, offset: int, floor: int, limit: int, marks: str = _END_MARKS) -> int:
    """Return where the sentence holding ``offset`` starts (after the previous one's end).

    The end marks are read backwards, one run of punctuation at a time; ``text[offset]`` is
    neither a space nor part of a mark.
    """
    upto = offset
    while (last := _last_mark(text, floor, upto, marks)) >= 0:
        run = last
        while run > floor and text[run - 1] in _MARK_CHARS:
            run -= 1
        for mark in reversed(list(_END.finditer(text, run, upto))):
            if _ends_sentence(text, mark, floor, limit):
                return mark.end()
        upto = run
    return floor


def split_paragraph(paragraph: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return the sentence spans of one line of text, shifted by ``offset``.

    Spans exclude surrounding white space; a paragraph of only white space has none.
    """
    limit = len(paragraph)
    spans: list[tuple[int, int]] = []
    start = 0
    for mark in _END.finditer(paragraph):
        if _ends_sentence(paragraph, mark, 0, limit):
            span = _stripped(paragraph, start, mark.end())
            if span is not None:
                spans.append((offset + span[0], offset + span[1]))
            start = mark.end()
    span = _stripped(paragraph, start, limit)
    if span is not None:
        spans.append((offset + span[0], offset + span[1]))
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of every sentence of ``text``, in order.

    Examples
    --------
    >>> split_sentences("Mr. Kirby spoke. It ended.\\nAA")
    [(0, 16), (17, 26), (27, 29)]
    """
    spans: list[tuple[int, int]] = []
    for paragraph in _PARAGRAPH.finditer(text):
        spans.extend(split_paragraph(paragraph.group(), paragraph.start()))
    return spans


class SentenceIndex:
    """Sentence lookups on one text, reading only the text around the offsets asked about."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._paragraphs: dict[int, list[tuple[int, int]]] = {}
        self._at: dict[int, tuple[int, int]] = {}
        self._marks = "".join(char for char in _END_MARKS if char in text)

    def _paragraph_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def _spans(self, start: int) -> list[tuple[int, int]]:
        """Return the sentence spans of the paragraph starting at ``start``."""
        spans = self._paragraphs.get(start)
        if spans is None:
            end = self.text.find("\n", start)
            end = len(self.text) if end < 0 else end
            spans = split_paragraph(self.text[start:end], start)
            self._paragraphs[start] = spans
        return spans

    def span_at(self, offset: int) -> tuple[int, int]:
        """Return the span of the sentence holding ``offset`` (the nearest one before it)."""
        span = self._at.get(offset)
        if span is not None:
            return span
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset!r} is outside the text of length {len(self.text)}")
        char = self.text[offset : offset + 1]
        if char and not char.isspace() and char not in _MARK_CHARS:
            span = self._around(offset)
        else:
            spans = self._spans(self._paragraph_start(offset))
            if not spans:
                return (offset, offset)
            i = max(bisect_right(spans, (offset, len(self.text) + 1)) - 1, 0)
            span = spans[i]
        self._at[offset] = span
        return span

    def _around(self, offset: int) -> tuple[int, int]:
        """Return the sentence holding ``offset``, a character that no end mark can include."""
        text = self.text
        floor = text.rfind("\n", 0, offset) + 1
        limit = text.find("\n", offset)
        limit = len(text) if limit < 0 else limit
        span = _stripped(
            text,
            _sentence_start(text, offset, floor, limit, self._marks),
            _sentence_end(text, offset, floor, limit, self._marks),
        )
        assert span is not None  # text[offset] is inside and is not white space
        return span

    def sentence_at(self, offset: int) -> str:
        """Return the text of the sentence holding ``offset``."""
        start, end = self.span_at(offset)
        return self.text[start:end]

    def previous(self, span: tuple[int, int]) -> tuple[int, int] | None:
        """Return the sentence before ``span`` (possibly in an earlier paragraph), if any."""
        spans = self._spans(self._paragraph_start(span[0]))
        i = spans.index(span) if span in spans else -1
        if i > 0:
            return spans[i - 1]
        start = self._paragraph_start(span[0]) - 1
        while start > 0:
            para = self._paragraph_start(start)
            earlier = self._spans(para)
            if earlier:
                return earlier[-1]
            start = para - 1
        return None

    def following(self, span: tuple[int, int]) -> tuple[int, int] | None:
        """Return the sentence after ``span`` in the same paragraph or the next one, if any."""
        spans = self._spans(self._paragraph_start(span[0]))
        i = spans.index(span) if span in spans else len(spans)
        if i + 1 < len(spans):
            return spans[i + 1]
        end = self.text.find("\n", span[1])
        while 0 <= end < len(self.text):
            later = self._spans(end + 1)
            if later:
                return later[0]
            end = self.text.find("\n", end + 1)
        return None
