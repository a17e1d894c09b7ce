"""Score extraction against a labelled file: precision, recall and F1, plus trap hits.

The file is a JSON object with ``passages``: each has ``id``, ``text``, ``gold`` (labels with
``location``, ``start``, ``end``, ``kind``) and optionally ``traps`` (``surface`` strings a
naive matcher would wrongly label). A predicted mention matches a label of the same location
whose span overlaps it; each label matches at most one prediction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.extract.mentions import Extractor
from geo.model import Mention

TARGETS = {"explicit": (0.98, 0.97), "anaphoric": (0.90, 0.80)}
KINDS = ("explicit", "anaphoric")


@dataclass(frozen=True, slots=True)
class Label:
    """One hand-labelled mention."""

    location: str
    start: int
    end: int
    kind: str
    surface: str


@dataclass(frozen=True, slots=True)
class Passage:
    """One labelled passage."""

    id: str
    text: str
    gold: tuple[Label, ...]
    traps: tuple[str, ...]


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
    overall: Tally = field(default_factory=Tally)
    trap_hits: list[TrapHit] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    passages: int = 0
    verbose: bool = False

    def meets_targets(self) -> bool:
        """Return True when every kind meets its precision/recall target and no trap is hit."""
        for kind, (precision, recall) in TARGETS.items():
            tally = self.by_kind.get(kind, Tally())
            if tally.precision < precision or tally.recall < recall:
                return False
        return not self.trap_hits

    def format(self) -> str:
        """Return the report as text (misses and false positives too when verbose)."""
        header = f"{'':<24} {'P':>6} {'R':>6} {'F1':>6} {'TP':>5} {'FP':>4} {'FN':>4}"
        lines = [f"{self.passages} passages", header, "by location:"]
        lines += [t.row("  " + n) for n, t in sorted(self.by_location.items())]
        lines.append("by kind:")
        lines += [self.by_kind.get(k, Tally()).row("  " + k) for k in KINDS]
        lines.append(self.overall.row("overall"))
        lines.append("targets:")
        for kind, (precision, recall) in TARGETS.items():
            lines.append(f"  {kind}: P >= {precision}, R >= {recall}")
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
        lines.append("meets targets: " + ("yes" if self.meets_targets() else "no"))
        return "\n".join(lines)


def load_passages(path: Path) -> list[Passage]:
    """Read a labelled file; raise ValueError naming the fault when it is malformed."""
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
        passages = []
        for raw in data["passages"]:
            text = raw["text"]
            gold = tuple(
                Label(g["location"], int(g["start"]), int(g["end"]), g["kind"], g["surface"])
                for g in raw.get("gold", [])
            )
            traps = tuple(t["surface"] for t in raw.get("traps", []))
            passages.append(Passage(str(raw["id"]), text, gold, traps))
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot read labelled passages from {str(path)!r}: {exc}") from exc
    for passage in passages:
        for label in passage.gold:
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


def _tally(report: EvalReport, location: str, kind: str, field_name: str) -> None:
    for tally in (
        report.by_location.setdefault(location, Tally()),
        report.by_kind.setdefault(kind, Tally()),
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
            _tally(report, mention.location_id, mention.kind, "fp")
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
            _tally(report, label.location, label.kind, "tp")
    for i, label in enumerate(passage.gold):
        if i not in matched:
            _tally(report, label.location, label.kind, "fn")
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
