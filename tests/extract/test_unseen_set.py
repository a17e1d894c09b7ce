"""The evaluation sets data/eval/unseen.json, data/eval/holdout.json and data/eval/fresh.json:
checks of the data files themselves, offline. Every structural check runs on every file."""

import json
from collections import Counter
from pathlib import Path

import pytest

EVAL_DIR = Path(__file__).resolve().parents[2] / "data" / "eval"
UNSEEN = EVAL_DIR / "unseen.json"
HOLDOUT = EVAL_DIR / "holdout.json"
FRESH = EVAL_DIR / "fresh.json"

# file -> (minimum passages, minimum passages per language)
THRESHOLDS = {
    UNSEEN: (60, 5),
    HOLDOUT: (40, 5),
    FRESH: (48, 6),
}

LANGS = {"en", "ar", "he", "fr", "it", "de", "tr", "es"}
KINDS = {"explicit", "bare", "anaphoric"}
LOCATIONS = {
    "philadelphi-corridor",
    "netzarim-corridor",
    "netzarim-junction",
    "rafah-crossing",
    "kerem-shalom-crossing",
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=list(THRESHOLDS), ids=lambda p: p.name)
def eval_file(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture(scope="module")
def data(eval_file: Path) -> dict:
    return _load(eval_file)


@pytest.fixture(scope="module")
def passages(data: dict) -> list[dict]:
    return data["passages"]


def test_top_level(data: dict) -> None:
    assert isinstance(data["about"], str) and data["about"].strip()
    assert isinstance(data["passages"], list)


def test_minimum_passages(eval_file: Path, passages: list[dict]) -> None:
    minimum, _ = THRESHOLDS[eval_file]
    assert len(passages) >= minimum


def test_every_language_has_enough_passages(eval_file: Path, passages: list[dict]) -> None:
    _, per_lang = THRESHOLDS[eval_file]
    counts = Counter(p["lang"] for p in passages)
    assert set(counts) <= LANGS, set(counts) - LANGS
    short = {lang: counts[lang] for lang in LANGS if counts[lang] < per_lang}
    assert not short, short


def test_ids_unique(passages: list[dict]) -> None:
    ids = [p["id"] for p in passages]
    assert len(ids) == len(set(ids))


def test_url_date_and_short_text(passages: list[dict]) -> None:
    for p in passages:
        assert p["url"].startswith(("http://", "https://")), p["id"]
        assert p["date"] is None or (len(p["date"]) == 10 and p["date"][4] == "-"), p["id"]
        assert p["text"].strip(), p["id"]
        assert len(p["text"]) <= 800, (p["id"], len(p["text"]))


def test_gold_spans(passages: list[dict]) -> None:
    for p in passages:
        text = p["text"]
        for g in p["gold"]:
            where = (p["id"], g["surface"])
            assert text[g["start"] : g["end"]] == g["surface"], where
            assert g["kind"] in KINDS, where
            assert g["location"] in LOCATIONS, where
            if "speaker" in g:
                assert isinstance(g["speaker"], str) and g["speaker"] in text, where


def test_traps_occur_in_text(passages: list[dict]) -> None:
    for p in passages:
        for t in p["traps"]:
            assert t["surface"] in p["text"], (p["id"], t["surface"])
            assert t["reason"].strip(), (p["id"], t["surface"])


def test_traps_do_not_overlap_gold(passages: list[dict]) -> None:
    for p in passages:
        for t in p["traps"]:
            start = p["text"].find(t["surface"])
            while start != -1:
                end = start + len(t["surface"])
                for g in p["gold"]:
                    assert not (start < g["end"] and g["start"] < end), (p["id"], t["surface"])
                start = p["text"].find(t["surface"], start + 1)


def test_no_url_in_both_files() -> None:
    unseen = {p["url"] for p in _load(UNSEEN)["passages"]}
    holdout = {p["url"] for p in _load(HOLDOUT)["passages"]}
    assert not unseen & holdout, sorted(unseen & holdout)


def test_fresh_shares_no_url_with_other_sets() -> None:
    fresh = {p["url"] for p in _load(FRESH)["passages"]}
    for other in (UNSEEN, HOLDOUT):
        urls = {p["url"] for p in _load(other)["passages"]}
        assert not fresh & urls, (other.name, sorted(fresh & urls))
