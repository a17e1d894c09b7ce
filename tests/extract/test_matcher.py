"""The phrase automaton: word boundaries per script, prefixes, leftmost-longest, offsets."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.extract.matcher import (
    Hit,
    LiteralSet,
    NeedsFolding,
    PhraseAutomaton,
    allowed_prefix,
    at_boundaries,
    leftmost_longest,
    spellings,
)
from geo.extract.textnorm import IGNORABLE_CHARS, fold_phrase

PHRASES = [
    "rafah",
    "rafah crossing",
    "معبر رفح",
    "מעבר רפיח",
    "poste frontière de rafah",
    "محور فيلادلفيا",
    "هذا المعبر",
    "اي",
]


@pytest.fixture(scope="module")
def automaton() -> PhraseAutomaton[str]:
    return PhraseAutomaton((fold_phrase(p), p) for p in PHRASES)


def found(automaton: PhraseAutomaton[str], text: str) -> list[str]:
    return [text[h.start : h.end] for h in automaton.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Rafah crossing opened.", ["Rafah crossing"]),
        ("RAFAH CROSSING", ["RAFAH CROSSING"]),
        ("Rafah-crossing", ["Rafah-crossing"]),
        ("Rafahs and XRafah", []),
        ("Rafah crossings", ["Rafah"]),
        ("le Poste-Frontière de Rafah", ["Poste-Frontière de Rafah"]),
        ("وفتح ومعبر رفح", ["معبر رفح"]),
        ("منمعبر رفح", []),
        ("ومَعْبَر رَفَح اليوم", ["مَعْبَر رَفَح"]),
        ("עברו במעבר רפיח", ["מעבר רפיח"]),
        ("שבמעבר רפיח", ["מעבר רפיח"]),
        ("אבגדמעבר רפיח", []),
        # letter variants (أ/إ/آ/ٱ for ا, ة for ه, ى for ي) in the text, never in the phrase
        ("عند محور فيلادلفيآ", ["محور فيلادلفيآ"]),
        ("وهذآ ٱلمعبر", ["هذآ ٱلمعبر"]),
        ("قال إى", ["إى"]),
        ("محور فيلادلفيان", []),
        ("é rafah_crossing rafah’s", ["rafah", "rafah"]),
    ],
)
def test_find(automaton: PhraseAutomaton[str], text: str, expected: list[str]) -> None:
    assert found(automaton, text) == expected


def test_end_limits_the_search(automaton: PhraseAutomaton[str]) -> None:
    text = "Rafah crossing"
    assert found(automaton, text[:9]) == ["Rafah"]
    assert [(h.start, h.end) for h in automaton.find(text, end=9)] == [(0, 5)]


def test_prefixes() -> None:
    assert allowed_prefix("وال", "م") and allowed_prefix("بال", "م") and allowed_prefix("و", "م")
    assert not allowed_prefix("من", "م")
    assert allowed_prefix("וב", "מ") and allowed_prefix("שה", "מ")
    assert not allowed_prefix("אב", "מ") and not allowed_prefix("x", "r")


def test_leftmost_longest_drops_overlaps() -> None:
    hits = [Hit(0, 5, "a"), Hit(0, 14, "b"), Hit(6, 14, "c"), Hit(15, 20, "d")]
    assert [h.payload for h in leftmost_longest(hits)] == ["b", "d"]


def test_spellings_spell_out_non_ascii_capitals() -> None:
    assert {"übergang", "Übergang"} <= spellings("übergang")
    assert "martyrs’ junction" in spellings("martyrs' junction")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))) | st.sampled_from(PHRASES))
def test_hits_index_the_text(automaton: PhraseAutomaton[str], text: str) -> None:
    for hit in automaton.find("x " + text + " Rafah " + text):
        assert 0 <= hit.start < hit.end <= len("x " + text + " Rafah " + text)


PIECES = st.sampled_from(
    [
        "Rafah",
        "rafah crossing",
        "معبر رفح",
        "ومعبر",
        "מעבר רפיח",
        "ב",
        "é",
        "_",
        "-",
        " ",
        "x",
        "’s",
    ]
)


@pytest.fixture(scope="module")
def unbounded() -> PhraseAutomaton[str]:
    """The same phrases, every occurrence kept by the scan (for raw hits)."""
    return PhraseAutomaton(((fold_phrase(p), p) for p in PHRASES), boundaries_in_scan=False)


@given(st.lists(PIECES | st.text(max_size=3), max_size=10).map("".join))
def test_boundary_hits_are_the_raw_hits_at_word_boundaries(
    automaton: PhraseAutomaton[str], unbounded: PhraseAutomaton[str], text: str
) -> None:
    if any(ch in IGNORABLE_CHARS for ch in text):
        with pytest.raises(NeedsFolding):
            automaton.boundary_hits(text)
        return
    expected = [h for h in unbounded.raw_hits(text) if at_boundaries(text, h)]
    assert automaton.boundary_hits(text) == expected
    assert unbounded.boundary_hits(text) == expected


def test_raw_hits_need_an_automaton_that_keeps_every_occurrence(
    automaton: PhraseAutomaton[str], unbounded: PhraseAutomaton[str]
) -> None:
    assert [h.payload for h in unbounded.raw_hits("XRafahs")] == ["rafah"]
    with pytest.raises(ValueError, match="boundaries_in_scan=False"):
        automaton.raw_hits("XRafahs")


def test_threads_share_an_automaton(automaton: PhraseAutomaton[str]) -> None:
    texts = [f"{i} Rafah crossing, معبر رفح and מעבר רפיח " * 50 for i in range(40)]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda t: automaton.find(t), texts)) == [
            automaton.find(t) for t in texts
        ]


@pytest.mark.parametrize(
    "text",
    [
        "ميناء رفح البري",
        "ميناء رفح البرى",
        "مىنأء رفح ألبري",
        "ومىناء رفح البرى",
        "فميناء-رفح-البري",
    ],
)
def test_every_spelling_of_a_long_arabic_name(text: str) -> None:
    automaton = PhraseAutomaton([(fold_phrase("ميناء رفح البري"), "port"), ("الشهداء", "m")])
    assert [h.payload for h in automaton.find(f"عند {text} و{text[1:]}x")] == ["port"]
    assert [h.payload for h in automaton.find("مفترق الشهدأء")] == ["m"]


def test_literal_set_finds_strings_anywhere_as_written() -> None:
    words = LiteralSet(["said", "قال", "לפי"])
    assert words.found("He unsaid it; وقال; לפיכך") == {"said", "قال", "לפי"}
    assert words.found("SAID") == set() and words.found("") == set()
    with pytest.raises(ValueError, match="non-empty"):
        LiteralSet([""])
