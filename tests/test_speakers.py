"""Speakers: reporting clauses, quotes, pronouns, and the article's own voice."""

from pathlib import Path

import pytest

from geo.speakers import SpeakerFinder, find_speaker

SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE = SHARED / "samples" / "anadolu-2024-08-23-gaza-talks.txt"


def speaker(text: str, phrase: str) -> str | None:
    start = text.index(phrase)
    return find_speaker(text, start, start + len(phrase))


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("Hamas said Israel must leave the corridor.", "corridor", "Hamas"),
        (
            "The crossing was closed, according to Egyptian officials.",
            "crossing",
            "Egyptian officials",
        ),
        ("The crossing is open, the army said on Sunday.", "crossing", "army"),
        ('"We will hold the corridor," Netanyahu told reporters.', "corridor", "Netanyahu"),
        ('"We will hold the corridor," said Israel Katz.', "corridor", "Israel Katz"),
        (
            'Netanyahu\'s office said Thursday that he "will control the corridor."',
            "corridor",
            "Netanyahu's office",
        ),
        ("Egypt has insisted that Israel withdraw from the corridor.", "corridor", "Egypt"),
        ('Kirby spoke. "It will reopen the crossing," he said.', "crossing", "Kirby"),
        ('"The corridor stays closed."\nKirby said so on Friday.', "corridor", "Kirby"),
        ("The corridor follows the border.", "corridor", None),
        ("Le poste est fermé, selon le correspondant.", "poste", "correspondant"),
        ('"Der Korridor bleibt", sagte der Insider.', "Korridor", "Insider"),
    ],
)
def test_speaker(text: str, phrase: str, expected: str | None) -> None:
    assert speaker(text, phrase) == expected


def test_bad_span_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        SpeakerFinder("abc").speaker_at(2, 9)


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared sample absent")
def test_sample_speakers() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    first = text.index("Netzarim Junction")
    assert find_speaker(text, first, first + 5) == "Hamas"
    insisted = text.index("Egypt has insisted")
    corridor = text.index("Philadelphi Corridor", insisted)
    assert find_speaker(text, corridor, corridor + 5) == "Egypt"
    anaphor = text.index("the corridor")
    assert find_speaker(text, anaphor, anaphor + 12) == "Netanyahu's office"
    plain = text.index("The Philadelphi Corridor follows")
    assert find_speaker(text, plain, plain + 5) is None
