"""Folding keeps offsets: one-to-one replacements, or an exact map when marks are removed."""

from hypothesis import given
from hypothesis import strategies as st

from geo.extract.textnorm import fold, fold_phrase, is_word_char, strip_accents

TEXTS = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from("İıßẞ\u0301\u064e\u0640\u05b8أإآةى’- \n"),
    )
)


@given(TEXTS)
def test_fold_offsets_map_back_to_the_original(text: str) -> None:
    folded = fold(text)
    if folded.positions is None:
        assert len(folded.text) == len(text)
    else:
        assert len(folded.positions) == len(folded.text) + 1
        assert folded.positions == sorted(folded.positions)
        assert folded.positions[-1] == len(text)
        for j in range(len(folded.text)):
            start, end = folded.span(j, j + 1)
            assert 0 <= start < end <= len(text)


def test_dotted_capital_i_keeps_its_length() -> None:
    assert len("İ".lower()) == 2
    assert fold("İstanbul Rafah").text == "istanbul rafah"


def test_arabic_variants_and_marks_fold_to_the_plain_spelling() -> None:
    text = "مَعْبَر رَفَح وأريحا ومـدرسة إلى"
    folded = fold(text)
    assert folded.text == "معبر رفح واريحا ومدرسه الي"
    start, end = folded.span(0, 8)
    assert text[start:end] == "مَعْبَر رَفَح"


def test_hebrew_points_are_removed() -> None:
    assert fold("מַעֲבַר רְפִיחַ").text == "מעבר רפיח"


def test_phrases_fold_like_text() -> None:
    assert fold_phrase("Poste-Frontière  de Rafah") == "poste frontière de rafah"
    assert strip_accents("frontière") == "frontiere"


def test_word_characters() -> None:
    assert is_word_char("a") and is_word_char("ر") and is_word_char("7")
    assert not is_word_char(" ") and not is_word_char("-") and not is_word_char("'")


def test_no_replacement_makes_a_letter_another_replaces() -> None:
    """The one-to-one replacements may run in any order: no target is also a source."""
    from geo.extract.textnorm import _REPLACEMENTS

    sources = {source for source, _ in _REPLACEMENTS}
    assert all(len(source) == len(target) == 1 for source, target in _REPLACEMENTS)
    assert not sources & {target for _, target in _REPLACEMENTS}
