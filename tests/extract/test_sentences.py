"""Sentence spans: end punctuation, abbreviations, quotes, line breaks, lazy lookups."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.extract.sentences import MAX_SENTENCE, SentenceIndex, split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two!  Three?", ["One.", "Two!", "Three?"]),
        (
            "Mr. Kirby met Dr. Lee in the U.S. on Friday.",
            ["Mr. Kirby met Dr. Lee in the U.S. on Friday."],
        ),
        ('"It ends," he said. "Next."', ['"It ends," he said.', '"Next."']),
        ("Title\n\nBody one. Body two.\nAA", ["Title", "Body one.", "Body two.", "AA"]),
        ("He saw J. Smith. See No. 5 now.", ["He saw J. Smith.", "See No. 5 now."]),
        ("e.g. this. then lower case.", ["e.g. this. then lower case."]),
        ("قال إنه مغلق. وأضاف أنه مفتوح؟ نعم.", ["قال إنه مغلق.", "وأضاف أنه مفتوح؟", "نعم."]),
        (
            "See p. 12 and art. 3. Then Art.\u00a0go.",
            ["See p. 12 and art. 3.", "Then Art.\u00a0go."],
        ),
        ('He said "no." Then left.', ['He said "no."', "Then left."]),
        ("Wait.. (he paused) Fine?! «Oui.»", ["Wait.. (he paused) Fine?!", "«Oui.»"]),
        (
            "It closed. «la suite» Again. To the U.\u212a. Moved.",
            ["It closed. «la suite» Again.", "To the U.\u212a. Moved."],
        ),
        ("Ends. (a) no. End. É. Next.", ["Ends. (a) no.", "End.", "É. Next."]),
        ("Il a dit : « Oui. » Puis il est parti.", ["Il a dit : « Oui. »", "Puis il est parti."]),
        ("« Non\u00a0! » Le poste reste fermé.", ["« Non\u00a0! »", "Le poste reste fermé."]),
        ("Il a dit « oui. » puis il est parti.", ["Il a dit « oui. » puis il est parti."]),
        ("Er sagte: „Ja.“ Dann ging er.", ["Er sagte: „Ja.“", "Dann ging er."]),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_index_lookups() -> None:
    text = "First one. Second one.\nThird one."
    index = SentenceIndex(text)
    assert index.sentence_at(text.index("Second")) == "Second one."
    span = index.span_at(text.index("Second"))
    assert index.previous(span) == (0, 10)
    following = index.following(span)
    assert following is not None and text[slice(*following)] == "Third one."
    assert index.following(following) is None
    with pytest.raises(ValueError, match="outside"):
        index.span_at(len(text) + 1)


@given(st.text())
def test_spans_are_ordered_stripped_and_inside(text: str) -> None:
    spans = split_sentences(text)
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        last = end


PIECES = st.sampled_from(
    [
        "Mr.",
        "U.S.",
        "No. 5",
        "e.g.",
        "J.",
        ". ",
        "? ",
        '!" ',
        ".” ",
        "… ",
        "؟ ",
        ".)",
        "\n",
        " ",
        "\u00a0",
        "«",
        "»",
        "’",
        "word",
        "Word",
        "said",
        "قال",
        "(",
        "-",
    ]
)


def paragraph_span_at(text: str, offset: int) -> tuple[int, int]:
    """The sentence at ``offset`` found by splitting its whole paragraph."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    spans = [
        (s, e)
        for s, e in split_sentences(text)
        if start <= s and e <= (len(text) if end < 0 else end)
    ]
    if not spans:
        return (offset, offset)
    before = [span for span in spans if span[0] <= offset]
    return before[-1] if before else spans[0]


@given(st.lists(PIECES | st.text(max_size=3), max_size=30).map("".join))
def test_lazy_lookups_agree_with_splitting_the_paragraph(text: str) -> None:
    index = SentenceIndex(text)
    for offset in range(len(text) + 1):
        assert index.span_at(offset) == paragraph_span_at(text, offset)


@pytest.mark.parametrize("words", [10, 60, 190])
def test_lookups_in_long_sentences_agree_with_splitting(words: int) -> None:
    """A sentence start far before the offset is found: every end mark before it is tried."""
    text = "Intro. " + " ".join(["word"] * words) + " end. Mr. X spoke.\nNext line. Last"
    index = SentenceIndex(text)
    for offset in range(0, len(text) + 1, 3):
        assert index.span_at(offset) == paragraph_span_at(text, offset)


@given(
    st.integers(min_value=0, max_value=60_000),
    st.sampled_from(["", "\n"]),
    st.integers(min_value=2, max_value=9),
)
def test_a_runaway_sentence_is_cut_to_the_words_around_the_offset(
    offset: int, line_break: str, word_length: int
) -> None:
    """No end mark for 60,000 characters (a scraped table): a bounded window, whole words."""
    word = "x" * word_length
    text = "Start. " + " ".join([word] * (60_000 // (word_length + 1))) + line_break + " End."
    offset = min(offset, len(text) - 1)
    index = SentenceIndex(text)
    start, end = index.span_at(offset)
    assert end - start <= MAX_SENTENCE + 2 * 100
    if not text[offset].isspace() and text[offset] not in ".":
        assert start <= offset < end
        assert not text[start - 1 : start].isalnum() and not text[end : end + 1].isalnum()


def test_sentences_up_to_the_limit_stay_whole() -> None:
    long = " ".join(["Word"] + ["word"] * (MAX_SENTENCE // 5 - 2)) + "."
    text = f"Before. {long} After."
    index = SentenceIndex(text)
    assert index.sentence_at(text.index("word")) == long
    assert index.previous(index.span_at(text.index("word"))) == (0, 7)
    assert index.sentence_at(len(text) - 3) == "After."


_ABBREVIATED = st.lists(
    st.sampled_from(list("Mr.U.Sdeijk Kx.!?…\u212a\n3 “”»"))
    | st.sampled_from(["Mr", "Dr", "U.S", "e.g", "No", "p", "Jan", "St", "etc", "Sept"]),
    max_size=40,
).map("".join)


@given(_ABBREVIATED)
def test_closing_at_skips_the_abbreviation_test_only_where_it_cannot_matter(text: str) -> None:
    """The quick pattern used after a word that is no abbreviation ends sentences where the
    whole pattern does."""
    from geo.extract import sentences

    for at, char in enumerate(text):
        if char in sentences._END_MARKS:
            whole = sentences._END.match(text, at, len(text))
            expected = whole.end() if whole is not None and sentences._closes(whole) else -1
            assert sentences._closing_at(text, at, len(text)) == expected, (text, at)
