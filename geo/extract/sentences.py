"""Sentence spans with offsets: line breaks, end punctuation, quotes and abbreviations.

Lookups are lazy: the sentence around an offset is found from the end marks nearest to it on
either side (one regular expression decides each), so a long text is never split as a whole.

Every lookup reads a bounded stretch of text, whatever the punctuation: a sentence is looked
for within :data:`SENTENCE_REACH` characters of the offset, and one longer than
:data:`MAX_SENTENCE` (a scraped table, an unpunctuated feed) is cut to the words around the
offset; a line longer than :data:`MAX_PARAGRAPH` is read in blocks of that length. So the work
per lookup is constant and a text's lookups cost time linear in its length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from geo.extract.textnorm import word_set

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

# A sentence ends after . ! ? … ؟ (and closing quotes or brackets, a French » after a space)
# followed by white space, unless what follows starts in lower case, or a single dot closes
# an abbreviation or an initial.
_END_MARKS = ".!?…؟。"
_CLOSERS = ")]\"'’”»“"  # “ closes a German quotation („Ja.“)
_MARK_CHARS = _END_MARKS + _CLOSERS
_OPENERS = "\"'“‘«„(—–-["
_PARAGRAPH = re.compile(r"[^\n]+")

SENTENCE_REACH = 1000
"""Characters searched on each side of an offset for the end marks of its sentence."""
MAX_SENTENCE = 1000
"""A longer sentence is cut to the words within ``MAX_SENTENCE // 2`` of the offset."""
RUNAWAY_SENTENCE = 400
"""A sentence with no end mark within reach is cut to the words within 200 characters."""
MAX_PARAGRAPH = 20_000
"""A longer line is read in blocks of this many characters (no prose paragraph is this long)."""
_MAX_EMPTY_LINES = 50  # previous/following look past at most this many empty lines


def _caseless(word: str) -> str:
    """Return a regex for an ASCII ``word`` matching what lower-cases to it (``K`` too)."""
    if not word.isascii():
        raise ValueError(f"abbreviation {word!r} is not ASCII")
    return "".join(
        f"[{ch}{ch.upper()}{chr(0x212A) if ch == 'k' else ''}]" if ch.isalpha() else re.escape(ch)
        for ch in word
    )


def _word_before_dot(words: frozenset[str], negate: bool) -> str:
    """Return lookbehinds testing whether the word before the dot just read is one of ``words``.

    The word is the run of word characters and dots before it; ``negate`` tests that it is not.
    One lookbehind per word length, as each needs a fixed width.
    """
    lengths = sorted({len(word) for word in words})
    groups = (
        "|".join(_caseless(word) for word in sorted(words) if len(word) == n) for n in lengths
    )
    if negate:
        return "".join(rf"(?<!(?<![\w.])(?:{group})\.)" for group in groups)
    return "(?:" + "|".join(rf"(?<=(?<![\w.])(?:{group})\.)" for group in groups) + ")"


# A candidate end, decided here but for three character tests done by :func:`_closes`: the
# character that opens what follows (``next``), a one-character word before a single dot
# (``initial``), and the character after "No. " (``number``). It starts with a mark character
# (the scan skips to those); a run of marks is read whole.
_OPENING = rf"[\s{re.escape(_OPENERS)}]"
_END = re.compile(
    rf"[{re.escape(_END_MARKS)}]"
    rf"(?:[{re.escape(_END_MARKS)}]++"
    rf"|(?<=[{re.escape(_END_MARKS.replace('.', ''))}])"
    rf"|{_word_before_dot(ABBREVIATIONS, negate=True)}"
    rf"(?:(?<=(?<![\w.])(?P<initial>\w)\.)|)"
    rf"(?:{_word_before_dot(_BEFORE_NUMBER, negate=False)}(?=\s(?P<number>.))|))"
    rf"(?:[{re.escape(_CLOSERS)}]|[ \u00a0\u202f]»)*+"  # French spacing: « Oui. »
    rf"(?=\s++(?:{_OPENING}{{0,2}}+(?P<next>[^{_OPENING[1:-1]}]))?)"
)


# :data:`_END` without its abbreviation test, for a mark known not to follow an abbreviation.
_END_AFTER_A_WORD = re.compile(
    _END.pattern.replace(_word_before_dot(ABBREVIATIONS, negate=True), "", 1)
)
_LONGEST_ABBREVIATION = max(len(word) for word in ABBREVIATIONS)


def _after_abbreviation(text: str, at: int) -> bool:
    """Return True when the dot at ``text[at]`` may end an abbreviation ("Mr.", "U.S.")."""
    floor = max(0, at - _LONGEST_ABBREVIATION - 1)
    begin = at
    while begin > floor and (text[begin - 1].isalnum() or text[begin - 1] in "_."):
        begin -= 1
    if begin == floor and floor > 0 and (text[begin - 1].isalnum() or text[begin - 1] in "_."):
        return False  # a longer run than any abbreviation
    return text[begin:at].lower() in ABBREVIATIONS


def _closes(mark: re.Match[str]) -> bool:
    """Return True when a candidate end mark of :data:`_END` closes its sentence."""
    following, initial, number = mark.group("next", "initial", "number")
    if following is not None and following.islower():
        return False
    if initial is not None and initial.isalpha() and initial.isupper():
        return False
    return number is None or not number.isdigit()


def _ends(text: str, start: int, limit: int) -> Iterator[re.Match[str]]:
    """Yield the end marks that close sentences in ``text[start:limit]``, a piece of one line.

    ``limit`` is the end of the line: what follows a mark is read up to there.
    """
    for mark in _END.finditer(text, start, limit):
        if _closes(mark):
            yield mark


def _stripped(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Return ``(start, end)`` of ``text[start:end]`` without surrounding white space, if any."""
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return None
    left = start + len(chunk) - len(chunk.lstrip())
    return left, left + len(stripped)


def _first_mark(text: str, start: int, limit: int, marks: str) -> int:
    """Return the index of the first of ``marks`` in ``text[start:limit]``, or ``limit``."""
    first = limit
    for char in marks:
        found = text.find(char, start, first)
        if found >= 0:
            first = found
    return first


def _last_mark(text: str, floor: int, upto: int, marks: str) -> int:
    """Return the index of the last of ``marks`` in ``text[floor:upto]``, or -1."""
    last = -1
    for char in marks:
        found = text.rfind(char, max(floor, last + 1), upto)
        if found > last:
            last = found
    return last


def _closing_at(text: str, at: int, limit: int) -> int:
    """Return where the run of end marks starting at ``text[at]`` closes a sentence, or -1."""
    dotted = text[at] == "." and _after_abbreviation(text, at)
    mark = (_END if dotted else _END_AFTER_A_WORD).match(text, at, limit)
    return mark.end() if mark is not None and _closes(mark) else -1


def _bounds(text: str, offset: int, floor: int, limit: int, marks: str) -> tuple[int, int]:
    """Return where the sentence holding ``offset`` starts and ends, in the line ``[floor, limit)``.

    It starts after the last sentence end before ``offset`` (or at ``floor``) and ends after
    the first one from ``offset`` on (or at ``limit``). Each run of end marks is tried from
    its first mark, found with ``str.find`` for each of ``marks`` (those the text holds);
    ``text[offset]`` is neither a space nor part of a mark, so no run crosses it. A run that
    does not close a sentence from its first mark does not from any later one.
    """
    start = floor
    upto = offset
    while (last := _last_mark(text, floor, upto, marks)) >= 0:
        while last > floor and text[last - 1] in _END_MARKS:
            last -= 1
        closed = _closing_at(text, last, limit)
        if closed >= 0:
            start = closed
            break
        upto = last
    at = offset
    while (at := _first_mark(text, at, limit, marks)) < limit:
        closed = _closing_at(text, at, limit)
        if closed >= 0:
            return start, closed
        at += 1
    return start, limit


def split_paragraph(paragraph: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return the sentence spans of one line of text, shifted by ``offset``.

    Spans exclude surrounding white space; a paragraph of only white space has none.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for mark in _ends(paragraph, 0, len(paragraph)):
        span = _stripped(paragraph, start, mark.end())
        if span is not None:
            spans.append((offset + span[0], offset + span[1]))
        start = mark.end()
    span = _stripped(paragraph, start, len(paragraph))
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


def _index_holding(spans: list[tuple[int, int]], offset: int) -> int | None:
    """Index of the span of ``spans`` (sorted) that holds ``offset``, if one does."""
    i = bisect_right(spans, (offset, 1 << 62)) - 1
    return i if i >= 0 and spans[i][0] <= offset < spans[i][1] else None


def _cut(
    text: str, span: tuple[int, int], offset: int, width: int = MAX_SENTENCE
) -> tuple[int, int]:
    """``span``, or the whole words within ``width // 2`` of ``offset`` when it is longer."""
    start, end = span
    if end - start <= width:
        return span
    half = width // 2
    if offset - start > half:
        start = _snap_forward(text, offset - half, offset)
    if end - offset > half:
        end = _snap_back(text, offset + half, offset)
    return start, end


def _snap_forward(text: str, at: int, offset: int) -> int:
    """Return the start of the first whole word at or after ``at`` that starts by ``offset``.

    When the word holding ``offset`` itself starts before ``at``, that word's start.
    """
    if at == 0 or text[at - 1].isspace():
        return at
    for index in range(at, min(offset, at + 100)):
        if text[index].isspace():
            return index + 1
    return _word_start(text, offset)


def _word_start(text: str, at: int) -> int:
    """Return the start of the word holding ``at`` (looking at most 100 characters back)."""
    for index in range(at - 1, max(-1, at - 101), -1):
        if text[index].isspace():
            return index + 1
    return max(0, at - 100)


def _word_end(text: str, at: int) -> int:
    """Return the end of the word holding ``at`` (looking at most 100 characters on)."""
    for index in range(at, min(len(text), at + 100)):
        if text[index].isspace():
            return index
    return min(len(text), at + 100)


def _snap_back(text: str, at: int, offset: int) -> int:
    """Return the end of the last whole word at or before ``at`` that ends after ``offset``.

    When the word holding ``offset`` itself runs past ``at``, that word's end.
    """
    if at >= len(text) or text[at].isspace():
        return at
    for index in range(at - 1, max(offset, at - 100) - 1, -1):
        if text[index].isspace():
            return index
    return _word_end(text, offset)


class SentenceIndex:
    """Sentence lookups on one text, reading only the text around the offsets asked about."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._paragraphs: dict[int, list[tuple[int, int]]] = {}
        self._at: dict[int, tuple[int, int]] = {}
        self._marks = "".join(char for char in _END_MARKS if char in text)
        self._newlines: list[int] | None = None

    def _line_breaks(self) -> list[int]:
        """Offsets of the text's line breaks (found once, on the first lookup)."""
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return self._newlines

    def _paragraph_start(self, offset: int) -> int:
        """Start of the line holding ``offset``, or of its block when the line is very long."""
        if len(self.text) <= MAX_PARAGRAPH:  # an article: a search costs less than an index
            return self.text.rfind("\n", 0, offset) + 1
        breaks = self._line_breaks()
        i = bisect_left(breaks, offset)
        line = breaks[i - 1] + 1 if i > 0 else 0
        return line + (offset - line) // MAX_PARAGRAPH * MAX_PARAGRAPH

    def _paragraph_end(self, start: int) -> int:
        """End of the line (or block) starting at ``start``."""
        if len(self.text) <= MAX_PARAGRAPH:
            end = self.text.find("\n", start)
            return len(self.text) if end < 0 else end
        breaks = self._line_breaks()
        i = bisect_left(breaks, start)
        end = breaks[i] if i < len(breaks) else len(self.text)
        return min(end, start + MAX_PARAGRAPH)

    def _spans(self, start: int) -> list[tuple[int, int]]:
        """Return the sentence spans of the paragraph (or block) starting at ``start``."""
        spans = self._paragraphs.get(start)
        if spans is None:
            end = self._paragraph_end(start)
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
            if span[1] - span[0] > MAX_SENTENCE:
                at = min(max(offset, span[0]), span[1] - 1)
                span = _stripped(self.text, *_cut(self.text, span, at)) or span
        self._at[offset] = span
        return span

    def _around(self, offset: int) -> tuple[int, int]:
        """Return the sentence holding ``offset``, a character that no end mark can include."""
        text = self.text
        paragraph = self._paragraph_start(offset)
        paragraph_end = self._paragraph_end(paragraph)
        floor = max(paragraph, offset - SENTENCE_REACH)
        limit = min(paragraph_end, offset + SENTENCE_REACH)
        cut_before = floor > 0 and text[floor - 1] != "\n"  # by the reach or a block
        if cut_before:
            floor = _snap_forward(text, floor, offset)
        cut_after = limit < len(text) and text[limit] != "\n"
        start, end = _bounds(text, offset, floor, limit, self._marks)
        runaway = (cut_before and start == floor) or (cut_after and end == limit)
        start, end = _cut(text, (start, end), offset, RUNAWAY_SENTENCE if runaway else MAX_SENTENCE)
        if end == limit and cut_after:  # no end mark within reach: stop after a whole word
            end = _snap_back(text, end, offset)
        span = _stripped(text, start, end)
        assert span is not None  # text[offset] is inside and is not white space
        return span

    def sentence_at(self, offset: int) -> str:
        """Return the text of the sentence holding ``offset``."""
        start, end = self.span_at(offset)
        return self.text[start:end]

    def previous(self, span: tuple[int, int]) -> tuple[int, int] | None:
        """Return the sentence before ``span`` (possibly in an earlier paragraph), if any."""
        spans = self._spans(self._paragraph_start(span[0]))
        i = _index_holding(spans, span[0])
        if i is not None and i > 0:
            return spans[i - 1]
        start = self._paragraph_start(span[0]) - 1
        for _ in range(_MAX_EMPTY_LINES):
            if start < 0:
                break
            para = self._paragraph_start(start)
            earlier = self._spans(para)
            if earlier:
                return earlier[-1]
            start = para - 1
        return None

    def following(self, span: tuple[int, int]) -> tuple[int, int] | None:
        """Return the sentence after ``span`` in the same paragraph or the next one, if any."""
        spans = self._spans(self._paragraph_start(span[0]))
        i = _index_holding(spans, span[0])
        if i is not None and i + 1 < len(spans):
            return spans[i + 1]
        end = self._paragraph_end(self._paragraph_start(span[0]))
        for _ in range(_MAX_EMPTY_LINES):
            if end >= len(self.text):
                break
            next_start = end + 1 if self.text[end] == "\n" else end
            later = self._spans(next_start)
            if later:
                return later[0]
            end = self._paragraph_end(next_start)
        return None
