"""Score extraction against a labelled file: precision, recall and F1, plus trap hits.

The file is a JSON object with ``passages``: each has ``id``, ``text``, ``lang``, ``gold``
(labels with ``location``, ``start``, ``end``, ``kind`` — explicit, bare or anaphoric — and,
where the sentence quotes someone, ``speaker``) and optionally ``traps`` (``surface`` strings a
naive matcher would wrongly label). A predicted mention matches a label of the same location
whose span overlaps it; each label matches at most one prediction.

Scores are kept by location, by kind, and per language for two groups with their own targets:
**names** (explicit and bare) and **references back** (anaphoric). A matched label with a
``speaker`` counts as right when the predicted speaker names the same person or body (one
contains the other, ignoring case and punctuation).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.extract.mentions import Extractor
from geo.model import Mention

TARGETS = {"names": (0.98, 0.97), "references": (0.90, 0.85)}
"""(precision, recall) each group must reach, in every language."""
SPEAKER_TARGET = 0.90
KINDS = ("explicit", "bare", "anaphoric")
GROUP_OF_KIND = {"explicit": "names", "bare": "names", "anaphoric": "references"}


@dataclass(frozen=True, slots=True)
class Label:
    """One hand-labelled mention."""

    location: str
    start: int
    end: int
    kind: str
    surface: str
    speaker: str | None = None
    """Who is quoted in the label's sentence (None: not labelled)."""


@dataclass(frozen=True, slots=True)
class Passage:
    """One labelled passage."""

    id: str
    text: str
    gold: tuple[Label, ...]
    traps: tuple[str, ...]
    lang: str = "?"


@dataclass
class Tally:
    """True positives, false positives and false negatives of one group."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """Share of predictions that match a label (1.0 when nothing was predicted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of labels that a prediction matches (1.0 when nothing was labelled)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, name: str) -> str:
        """Return one aligned line of the report."""
        return (
            f"{name:<24} {self.precision:6.3f} {self.recall:6.3f} {self.f1:6.3f}"
            f" {self.tp:5d} {self.fp:4d} {self.fn:4d}"
        )


@dataclass(frozen=True, slots=True)
class Miss:
    """A false positive or false negative, with its passage and context."""

    passage: str
    what: str
    location: str
    kind: str
    surface: str
    context: str


@dataclass(frozen=True, slots=True)
class TrapHit:
    """A prediction that overlaps a trap surface."""

    passage: str
    trap: str
    mention: str
    location: str


@dataclass
class EvalReport:
    """The scores of one labelled file."""

    by_location: dict[str, Tally] = field(default_factory=dict)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    by_lang: dict[str, dict[str, Tally]] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    speakers_right: int = 0
    speakers_labelled: int = 0
    wrong_speakers: list[Miss] = field(default_factory=list)
    trap_hits: list[TrapHit] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    passages: int = 0
    verbose: bool = False

    @property
    def speaker_share(self) -> float:
        """Share of speaker-labelled matches whose speaker was found (1.0 with none labelled)."""
        return self.speakers_right / self.speakers_labelled if self.speakers_labelled else 1.0

    def missed_targets(self) -> list[str]:
        """Each target missed: a group in a language, the speakers, trap hits."""
        missed = []
        for lang, groups in sorted(self.by_lang.items()):
            for group, (precision, recall) in TARGETS.items():
                tally = groups.get(group, Tally())
                if tally.precision < precision or tally.recall < recall:
                    missed.append(
                        f"{lang} {group}: P {tally.precision:.3f} R {tally.recall:.3f}"
                        f" (targets {precision}, {recall})"
                    )
        if self.speaker_share < SPEAKER_TARGET:
            missed.append(f"speakers {self.speaker_share:.3f} (target {SPEAKER_TARGET})")
        if self.trap_hits:
            missed.append(f"{len(self.trap_hits)} trap hit(s)")
        return missed

    def meets_targets(self) -> bool:
        """Return True when every group meets its targets in every language, and no trap is hit."""
        return not self.missed_targets()

    def format(self) -> str:
        """Return the report as text (misses and false positives too when verbose)."""
        header = f"{'':<24} {'P':>6} {'R':>6} {'F1':>6} {'TP':>5} {'FP':>4} {'FN':>4}"
        lines = [f"{self.passages} passages", header, "by location:"]
        lines += [t.row("  " + n) for n, t in sorted(self.by_location.items())]
        lines.append("by kind:")
        lines += [self.by_kind.get(k, Tally()).row("  " + k) for k in KINDS]
        lines.append("by language (names = explicit + bare; references = anaphoric):")
        for lang, groups in sorted(self.by_lang.items()):
            lines += [groups.get(g, Tally()).row(f"  {lang} {g}") for g in TARGETS]
        lines.append(self.overall.row("overall"))
        lines.append(
            f"speakers: {self.speakers_right} of {self.speakers_labelled} labelled quotes right"
            f" ({self.speaker_share:.3f})"
        )
        lines.append("targets, in every language:")
        for group, (precision, recall) in TARGETS.items():
            lines.append(f"  {group}: P >= {precision}, R >= {recall}")
        lines.append(f"  speakers: >= {SPEAKER_TARGET}")
        lines.append(f"trap hits: {len(self.trap_hits)}")
        lines += [
            f"  {t.passage}: {t.location} {t.mention!r} overlaps trap {t.trap!r}"
            for t in self.trap_hits
        ]
        if self.verbose:
            lines.append("misses and false positives:")
            lines += [
                f"  {m.passage} {m.what} {m.location} {m.kind} {m.surface!r}: …{m.context}…"
                for m in self.misses
            ]
            lines.append("speakers wrong (labelled → found):")
            lines += [
                f"  {m.passage} {m.surface!r} {m.kind}: …{m.context}…" for m in self.wrong_speakers
            ]
        missed = self.missed_targets()
        lines.append("meets targets: " + ("yes" if not missed else "no — " + "; ".join(missed)))
        return "\n".join(lines)


def load_passages(path: Path) -> list[Passage]:
    """Read a labelled file; raise ValueError naming the fault when it is malformed."""
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
        passages = []
        for raw in data["passages"]:
            text = raw["text"]
            gold = tuple(
                Label(
                    g["location"], int(g["start"]), int(g["end"]), g["kind"], g["surface"],
                    g.get("speaker"),
                )
                for g in raw.get("gold", [])
            )  # fmt: skip
            traps = tuple(t["surface"] for t in raw.get("traps", []))
            lang = str(raw.get("lang") or "?")
            passages.append(Passage(str(raw["id"]), text, gold, traps, lang))
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot read labelled passages from {str(path)!r}: {exc}") from exc
    for passage in passages:
        for label in passage.gold:
            if label.kind not in KINDS:
                raise ValueError(
                    f"passage {passage.id!r}: label {label.surface!r} has unknown kind "
                    f"{label.kind!r}; known: {', '.join(KINDS)}"
                )
            if passage.text[label.start : label.end] != label.surface:
                raise ValueError(
                    f"passage {passage.id!r}: label {label.surface!r} does not match its offsets"
                )
    return passages


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _context(text: str, start: int, end: int, width: int = 50) -> str:
    snippet = text[max(0, start - width) : start] + "[" + text[start:end] + "]"
    return (snippet + text[end : end + width]).replace("\n", " ")


def _tally(report: EvalReport, lang: str, location: str, kind: str, field_name: str) -> None:
    groups = report.by_lang.setdefault(lang, {})
    for tally in (
        report.by_location.setdefault(location, Tally()),
        report.by_kind.setdefault(kind, Tally()),
        groups.setdefault(GROUP_OF_KIND.get(kind, "names"), Tally()),
        report.overall,
    ):
        setattr(tally, field_name, getattr(tally, field_name) + 1)


def score_passage(report: EvalReport, passage: Passage, predicted: Sequence[Mention]) -> None:
    """Add one passage's matches, misses and trap hits to ``report``."""
    matched: set[int] = set()
    for mention in predicted:
        span = (mention.start, mention.end)
        label_index = next(
            (
                i
                for i, label in enumerate(passage.gold)
                if i not in matched
                and label.location == mention.location_id
                and _overlaps(span, (label.start, label.end))
            ),
            None,
        )
        if label_index is None:
            _tally(report, passage.lang, mention.location_id, mention.kind, "fp")
            report.misses.append(
                Miss(
                    passage.id,
                    "FP",
                    mention.location_id,
                    mention.kind,
                    mention.surface,
                    _context(passage.text, *span),
                )
            )
        else:
            matched.add(label_index)
            label = passage.gold[label_index]
            _tally(report, passage.lang, label.location, label.kind, "tp")
            _score_speaker(report, passage, label, mention)
    for i, label in enumerate(passage.gold):
        if i not in matched:
            _tally(report, passage.lang, label.location, label.kind, "fn")
            report.misses.append(
                Miss(
                    passage.id,
                    "FN",
                    label.location,
                    label.kind,
                    label.surface,
                    _context(passage.text, label.start, label.end),
                )
            )
    report.trap_hits.extend(_trap_hits(passage, predicted))


def _score_speaker(report: EvalReport, passage: Passage, label: Label, mention: Mention) -> None:
    """Count a labelled speaker as right when the found one names the same person or body."""
    if label.speaker is None:
        return
    report.speakers_labelled += 1
    if same_speaker(label.speaker, mention.speaker):
        report.speakers_right += 1
        return
    report.wrong_speakers.append(
        Miss(
            passage.id,
            "speaker",
            label.location,
            f"{label.speaker!r} → {mention.speaker!r}",
            label.surface,
            _context(passage.text, label.start, label.end),
        )
    )


def same_speaker(labelled: str, found: str | None) -> bool:
    """Whether ``found`` names the labelled speaker: one contains the other, words only."""
    if not found:
        return False
    a, b = _words(labelled), _words(found)
    return bool(a.strip()) and bool(b.strip()) and (a in b or b in a)


def _words(name: str) -> str:
    """A name's words, case-folded, joined by single spaces (punctuation dropped)."""
    return " " + " ".join("".join(c if c.isalnum() else " " for c in name.casefold()).split()) + " "


def _trap_hits(passage: Passage, predicted: Iterable[Mention]) -> list[TrapHit]:
    hits = []
    for trap in passage.traps:
        at = passage.text.find(trap)
        while at >= 0:
            for mention in predicted:
                if _overlaps((mention.start, mention.end), (at, at + len(trap))):
                    hits.append(TrapHit(passage.id, trap, mention.surface, mention.location_id))
            at = passage.text.find(trap, at + 1)
    return hits


def evaluate(path: Path, extractor: Extractor, *, verbose: bool = False) -> EvalReport:
    """Score ``extractor`` on the labelled passages in ``path``.

    Parameters
    ----------
    path
        A JSON file in the labelled-passages format.
    extractor
        The extractor to score.
    verbose
        Keep the misses and false positives in the report's text.
    """
    passages = load_passages(path)
    report = EvalReport(passages=len(passages), verbose=verbose)
    for passage in passages:
        score_passage(report, passage, extractor.extract(passage.text))
    return report
