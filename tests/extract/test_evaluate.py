"""The eval scorer: overlap matching, per-location and per-kind tallies, trap hits."""

import json
from pathlib import Path

import pytest

from geo.extract.evaluate import Tally, evaluate, load_passages
from geo.extract.mentions import Extractor
from geo.model import Alias

SHARED = Path(__file__).resolve().parents[3] / "shared"
DEV = SHARED / "eval" / "dev.json"

TEXT = "Egypt closed the Rafah crossing. The crossing stays shut. Rafah city is calm."


def write(tmp_path: Path, gold: list[dict[str, object]], traps: list[str]) -> Path:
    path = tmp_path / "labels.json"
    passage = {"id": "t1", "text": TEXT, "gold": gold, "traps": [{"surface": t} for t in traps]}
    path.write_text(json.dumps({"passages": [passage]}), encoding="utf-8")
    return path


def label(surface: str, kind: str, nth: int = 0) -> dict[str, object]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(surface, start + 1)
    return {
        "location": "rafah-crossing",
        "surface": surface,
        "start": start,
        "end": start + len(surface),
        "kind": kind,
    }


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(
        [Alias("rafah-crossing", "en", "Rafah crossing")], {"rafah-crossing": "crossing"}
    )


def test_perfect_score(tmp_path: Path, extractor: Extractor) -> None:
    path = write(
        tmp_path,
        [label("Rafah crossing", "explicit"), label("The crossing", "anaphoric")],
        ["Rafah city"],
    )
    report = evaluate(path, extractor)
    assert report.by_kind["explicit"].tp == 1 and report.by_kind["anaphoric"].tp == 1
    assert report.overall.precision == report.overall.recall == 1.0
    assert report.meets_targets()
    assert "meets targets: yes" in report.format()


def test_misses_false_positives_and_traps(tmp_path: Path, extractor: Extractor) -> None:
    path = write(
        tmp_path,
        [label("Rafah crossing", "explicit"), label("Rafah", "explicit", 1)],
        ["The crossing"],
    )
    report = evaluate(path, extractor, verbose=True)
    assert report.by_kind["explicit"].fn == 1
    assert report.by_kind["anaphoric"].fp == 1
    assert [t.trap for t in report.trap_hits] == ["The crossing"]
    assert not report.meets_targets()
    text = report.format()
    assert "t1 FN rafah-crossing explicit 'Rafah'" in text and "overlaps trap" in text


def test_tally_edges() -> None:
    assert Tally().precision == Tally().recall == 1.0
    assert Tally(tp=1, fp=1, fn=1).f1 == pytest.approx(0.5)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_passages(tmp_path / "missing.json")
    bad = write(tmp_path, [{**label("Rafah crossing", "explicit"), "start": 0}], [])
    with pytest.raises(ValueError, match="does not match"):
        load_passages(bad)


@pytest.mark.skipif(not DEV.exists(), reason="shared dev set absent")
def test_dev_set_meets_targets() -> None:
    from geo.places.layers import load_gazetteer

    report = evaluate(DEV, Extractor.from_gazetteer(load_gazetteer()))
    assert report.meets_targets(), report.format()
