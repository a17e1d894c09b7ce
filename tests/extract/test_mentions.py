"""Mention extraction: names in six languages, bare crossing names, references back, traps."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geo.extract.mentions import (
    _TRAP_AFTER,
    _TRAP_AFTER_STARTS,
    _TRAP_BEFORE,
    _TRAP_BEFORE_WORDS,
    Extractor,
    _type_words,
    extract_mentions,
)
from geo.model import Alias

SHARED = Path(__file__).resolve().parents[3] / "shared"
SAMPLE = SHARED / "samples" / "anadolu-2024-08-23-gaza-talks.txt"

KINDS = {
    "rafah-crossing": "crossing",
    "kerem-shalom-crossing": "crossing",
    "philadelphi-corridor": "corridor",
    "netzarim-corridor": "corridor",
    "netzarim-junction": "junction",
}
NAMES = {
    "rafah-crossing": [
        "Rafah crossing",
        "Rafah border crossing",
        "معبر رفح",
        "מעבר רפיח",
        "poste-frontière de Rafah",
        "valico di Rafah",
    ],
    "kerem-shalom-crossing": ["Kerem Shalom crossing", "Karem Abu Salem"],
    "philadelphi-corridor": [
        "Philadelphi Corridor",
        "Philadelphia Corridor",
        "Salah al-Din axis",
        "محور فيلادلفيا",
        "ציר פילדלפי",
        "Philadelphi-Korridor",
    ],
    "netzarim-corridor": ["Netzarim Corridor", "corridoio di Netzarim"],
    "netzarim-junction": ["Netzarim Junction"],
}


@dataclass(frozen=True)
class TinyGazetteer:
    aliases: tuple[Alias, ...]

    def kind_of(self, location_id: str) -> str:
        return KINDS[location_id]


GAZETTEER = TinyGazetteer(
    tuple(Alias(loc, "xx", name) for loc, names in NAMES.items() for name in names)
)


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor.from_gazetteer(GAZETTEER)


@cache
def shared_extractor() -> Extractor:
    """One extractor for the property tests (building one compiles its automaton)."""
    return Extractor.from_gazetteer(GAZETTEER)


def found(extractor: Extractor, text: str) -> list[tuple[str, str, str]]:
    return [(m.location_id, m.kind, m.surface) for m in extractor.extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Israel holds the Philadelphi Corridor.",
            [("philadelphi-corridor", "explicit", "Philadelphi Corridor")],
        ),
        (
            "the PHILADELPHIA CORRIDOR",
            [("philadelphi-corridor", "explicit", "PHILADELPHIA CORRIDOR")],
        ),
        (
            "Der Philadelphi-Korridor ist",
            [("philadelphi-corridor", "explicit", "Philadelphi-Korridor")],
        ),
        ("سيطرت على محور فيلادلفيا", [("philadelphi-corridor", "explicit", "محور فيلادلفيا")]),
        ("وفتح ومعبر رفح", [("rafah-crossing", "explicit", "معبر رفح")]),
        ("עברו במעבר רפיח", [("rafah-crossing", "explicit", "מעבר רפיח")]),
        ("at the Rafah border terminal", [("rafah-crossing", "explicit", "Rafah border terminal")]),
        ("Le poste de Rafah a rouvert.", [("rafah-crossing", "explicit", "poste de Rafah")]),
        (
            "closed the Karem Abu Salem gate",
            [("kerem-shalom-crossing", "explicit", "Karem Abu Salem gate")],
        ),
        ("dal corridoio di Netzarim", [("netzarim-corridor", "explicit", "corridoio di Netzarim")]),
        # bare crossing names: only in a crossing sentence, never as the town
        (
            "Egypt reopened Rafah for travellers on Monday.",
            [("rafah-crossing", "bare", "Rafah")],
        ),
        ("Aid trucks entered through Rafah.", [("rafah-crossing", "bare", "Rafah")]),
        ("Strikes hit Rafah overnight.", []),
        ("The city of Rafah was closed off by troops.", []),
        ("بين رفح سيناء ورفح فلسطين عند المعبر المغلق", []),
        # traps
        ("Tanks moved along Salah al-Din Road.", []),
        ("Residents of Kibbutz Kerem Shalom reopened the school.", []),
        ("أغلق الجيش مستوطنة كرم أبو سالم", []),
        ("أغلق الجيش كيبوتس كرم أبو سالم", []),
        ("השער בקיבוץ כרם שלום נסגר", []),
        ("the former Netzarim settlement", []),
        ("He flew to Philadelphia, Pennsylvania.", []),
    ],
)
def test_explicit_and_traps(
    extractor: Extractor, text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert found(extractor, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The Netzarim Corridor is empty. The corridor was vacated.",
            ("netzarim-corridor", "The corridor"),
        ),
        ("At the Rafah crossing. This crossing matters.", ("rafah-crossing", "This crossing")),
        (
            "Le poste-frontière de Rafah. Ce poste-frontière est fermé.",
            ("rafah-crossing", "Ce poste-frontière"),
        ),
        (
            "Der Philadelphi-Korridor. Der Korridor ist besetzt.",
            ("philadelphi-corridor", "Der Korridor"),
        ),
        ("محور فيلادلفيا مهم. والمحور يبدأ من البحر.", ("philadelphi-corridor", "المحور")),
        ("מעבר רפיח נסגר. המעבר ייפתח מחר.", ("rafah-crossing", "המעבר")),
        (
            "The Philadelphi Corridor and the Rafah crossing, located on this route.",
            ("philadelphi-corridor", "this route"),
        ),
    ],
)
def test_references_back(extractor: Extractor, text: str, expected: tuple[str, str]) -> None:
    anaphoric = [
        (m.location_id, m.surface) for m in extractor.extract(text) if m.kind == "anaphoric"
    ]
    assert anaphoric == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "The corridor was vacated.",  # nothing named before
        "The Netzarim Corridor. The area and the zone were empty.",  # generic words
        "The Netzarim Corridor. The corridor of death.",  # describes something else
        "محور فيلادلفيا هو المحور الفاصل بين مصر وغزة",  # predicate, not a reference
        "The Netzarim Corridor." + " filler" * 500 + " The corridor.",  # too far back
    ],
)
def test_no_reference_back(extractor: Extractor, text: str) -> None:
    assert [m for m in extractor.extract(text) if m.kind == "anaphoric"] == []


def test_end_limits_the_search(extractor: Extractor) -> None:
    text = "Rafah crossing.\nAA\nThe Netzarim Corridor."
    assert [m.surface for m in extractor.extract(text, end=text.index("AA"))] == ["Rafah crossing"]
    with pytest.raises(ValueError, match="outside"):
        extractor.extract(text, end=len(text) + 1)


def test_kinds_are_required() -> None:
    with pytest.raises(ValueError, match="no kind"):
        Extractor([Alias("x", "en", "X crossing")], {})


def test_extract_mentions_matches_the_extractor() -> None:
    text = "The Rafah crossing opened."
    assert extract_mentions(text, GAZETTEER) == Extractor.from_gazetteer(GAZETTEER).extract(text)


TEXT_PIECES = st.sampled_from(
    [
        "Rafah crossing",
        "the crossing",
        "معبر رفح",
        "וב",
        "מעבר רפיח",
        "İ",
        "\u0301",
        "\u064e",
        "\u0640",
        "Philadelphi",
        " Corridor",
        "-",
        ". ",
        "\n",
        '"',
        "Hamas said ",
    ]
)
TEXTS = st.lists(
    st.one_of(TEXT_PIECES, st.text(alphabet=st.characters(blacklist_categories=("Cs",)))),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_surface_is_the_text_at_the_offsets(text: str) -> None:
    for mention in shared_extractor().extract(text):
        assert text[mention.start : mention.end] == mention.surface
        assert mention.sentence in text
        assert mention.start >= 0 and mention.end <= len(text)


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared sample absent")
def test_sample_article() -> None:
    from geo.places.layers import load_gazetteer

    text = SAMPLE.read_text(encoding="utf-8")
    mentions = Extractor.from_gazetteer(load_gazetteer()).extract(text)
    summary = sorted((m.location_id, m.kind, m.surface) for m in mentions)
    assert summary == sorted(
        [("philadelphi-corridor", "explicit", "Philadelphi Corridor")] * 4
        + [("philadelphi-corridor", "anaphoric", "the corridor")]
        + [("rafah-crossing", "explicit", "Rafah crossing")]
        + [("rafah-crossing", "explicit", "Rafah border crossing")] * 2
        + [("netzarim-junction", "explicit", "Netzarim Junction")]
    )
    tail = text.index("\nAA\n")
    assert all(m.end <= tail for m in mentions)
    speakers = {(m.surface, m.start): m.speaker for m in mentions}
    assert speakers[("Netzarim Junction", text.index("Netzarim Junction"))] == "Hamas"
    insisted = text.index("Egypt has insisted")
    assert {m.speaker for m in mentions if m.start > insisted} == {"Egypt", "Netanyahu's office"}
    assert [m.speaker for m in mentions if m.kind == "anaphoric"] == ["Netanyahu's office"]


WINDOW_PIECES = st.sampled_from(
    [
        " ",
        "\n",
        "crossing",
        "border crossing",
        "poste",
        " de",
        " di",
        " d'",
        "corridor",
        "معبر",
        "و",
        "kibbutz",
        "road",
        ", pa",
        "(pennsylvania",
        "x",
        "é",
    ]
)
WINDOWS = st.lists(WINDOW_PIECES | st.text(max_size=2), max_size=8).map("".join)


@given(WINDOWS)
@example("at the border crossing \n")
@example("le poste d'\n")
@example("valico di \n")
def test_cheap_checks_never_skip_a_regex_match(text: str) -> None:
    """The prefix and suffix checks before the context regexes are necessary conditions."""
    for kind in ("corridor", "crossing", "junction", "region"):
        words = _type_words(kind)
        assert words.may_follow(text) or not words.after.match(text)
        assert words.may_precede(text) or not words.before.search(text)
    trapped_before = text.rstrip().endswith(_TRAP_BEFORE_WORDS)
    assert trapped_before or not _TRAP_BEFORE.search(text)
    assert text.lstrip().startswith(_TRAP_AFTER_STARTS) or not _TRAP_AFTER.search(text)
