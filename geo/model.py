"""Records shared by every module: articles, aliases and mentions."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal

MentionKind = Literal["explicit", "bare", "anaphoric"]
"""How a mention names its place: the full name, the name without its type word ("Egypt
opened Rafah"), or a reference back ("the corridor") to a place named before."""


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as stored: ``text`` is kept exactly; mention offsets index it."""

    id: str
    title: str
    source: str | None
    published: dt.date | None
    url: str | None
    text: str
    lang: str | None = None
    title_derived: bool = False
    """The title was made from the text (the article came without one)."""


@dataclass(frozen=True, slots=True)
class Alias:
    """One name of a location in one language, as written in its layer file."""

    location_id: str
    lang: str
    name: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A place named (or referred back to) in an article, with its sentence and speaker.

    ``text[start:end] == surface`` always holds for the article text the mention came from.
    """

    location_id: str
    surface: str
    start: int
    end: int
    kind: MentionKind
    sentence: str
    speaker: str | None
    confidence: float = 1.0
    """How sure the extractor is, 0–1, from the evidence it used; reviews sort by it."""

    def to_dict(self) -> dict[str, Any]:
        """Return the mention as the JSON object of the command-line contract."""
        return asdict(self)
