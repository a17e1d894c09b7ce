"""Sentence spans with offsets: line breaks, end punctuation, quotes and abbreviations.

Splitting is lazy and per paragraph (a run of text between line breaks), so a long text is
only split around the places that ask for a sentence.
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

# A sentence ends after . ! ? … ؟ (and closing quotes or brackets) followed by white space.
_END = re.compile(r"""[.!?…؟。]+[)\]"'’”»]*(?=\s)""")
_PARAGRAPH = re.compile(r"[^\n]+")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")


def _is_abbreviation(paragraph: str, dot: int) -> bool:
    """Return True when the dot at ``dot`` closes an abbreviation or an initial."""
    found = _WORD_BEFORE.search(paragraph, max(0, dot - 24), dot + 1)
    if found is None:
        return False
    word = found.group(1)
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True
    if word.lower() in _BEFORE_NUMBER and paragraph[dot + 1 : dot + 3].strip()[:1].isdigit():
        return True
    return word.lower() in ABBREVIATIONS


def _starts_sentence(paragraph: str, index: int) -> bool:
    """Return True when the text from ``index`` can open a sentence."""
    for char in paragraph[index : index + 3]:
        if char.isspace() or char in "\"'“‘«„(—–-[":
            continue
        return not char.islower()
    return True


def split_paragraph(paragraph: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return the sentence spans of one line of text, shifted by ``offset``.

    Spans exclude surrounding white space; a paragraph of only white space has none.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for end_mark in _END.finditer(paragraph):
        end = end_mark.end()
        punct = end_mark.group()
        next_start = len(paragraph) - len(paragraph[end:].lstrip())
        single_dot = punct.startswith(".") and len(punct.rstrip(")]\"'’”»")) == 1
        if single_dot and _is_abbreviation(paragraph, end_mark.start()):
            continue
        if next_start < len(paragraph) and not _starts_sentence(paragraph, next_start):
            continue
        _append(spans, paragraph, start, end, offset)
        start = end
    _append(spans, paragraph, start, len(paragraph), offset)
    return spans


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int, offset: int) -> None:
    """Append ``text[start:end]`` stripped of white space, if anything is left."""
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        left = start + len(chunk) - len(chunk.lstrip())
        spans.append((offset + left, offset + left + len(stripped)))


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
    """Sentence lookups on one text, splitting only the paragraphs that are asked about."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._paragraphs: dict[int, list[tuple[int, int]]] = {}

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
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset!r} is outside the text of length {len(self.text)}")
        para = self._paragraph_start(offset)
        spans = self._spans(para)
        if not spans:
            return (offset, offset)
        i = max(bisect_right(spans, (offset, len(self.text) + 1)) - 1, 0)
        return spans[i]

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
