"""Speakers: reporting clauses, quotes, pronouns, and the article's own voice."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.extract.speakers import SpeakerFinder, find_speaker

SHARED = Path(__file__).resolve().parents[3] / "shared"
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
        # titles with their modifiers, names with particles, an apposition, inversion
        (
            "Israel's defence minister Yoav Gallant said the corridor must stay.",
            "corridor",
            "Israel's defence minister Yoav Gallant",
        ),
        (
            "The crossing stays shut, said the foreign ministry spokesman.",
            "crossing",
            "foreign ministry spokesman",
        ),
        ("The corridor is vital, said Netanyahu on Monday.", "corridor", "Netanyahu"),
        ("According to the army the crossing was closed.", "crossing", "army"),
        (
            "The crossing reopened, according to officials familiar with it.",
            "crossing",
            "officials",
        ),
        (
            "Khalil al-Hayya, the deputy of the Hamas leader, told Al Jazeera the corridor stays.",
            "corridor",
            "Khalil al-Hayya",
        ),
        ("Hamas, which runs Gaza, said the crossing must reopen.", "crossing", "Hamas"),
        ("The crossing was shut, told the ministry.", "crossing", None),
        # French
        (
            "« Le poste est fermé », indique le correspondant de la chaîne Al Qahera News.",
            "poste",
            "correspondant de la chaîne Al Qahera News",
        ),
        (
            "Le porte-parole de l'armée israélienne a déclaré que le corridor resterait fermé.",
            "corridor",
            "porte-parole de l'armée israélienne",
        ),
        ("Le Hamas a affirmé que le corridor devait être évacué.", "corridor", "Hamas"),
        (
            "Le poste-frontière est fermé, selon des responsables égyptiens.",
            "poste-frontière",
            "responsables égyptiens",
        ),
        (
            "Le terminal est fermé, a déclaré un haut responsable égyptien.",
            "terminal",
            "haut responsable égyptien",
        ),
        # Italian
        (
            "Il valico è chiuso, ha detto il portavoce dell'esercito israeliano.",
            "valico",
            "portavoce dell'esercito israeliano",
        ),
        ("Il corridoio resta chiuso, secondo fonti egiziane.", "corridoio", "fonti egiziane"),
        (
            "Il ministro degli Esteri egiziano ha dichiarato che il valico resterà aperto.",
            "valico",
            "ministro degli Esteri egiziano",
        ),
        # German
        (
            "Der Korridor bleibt besetzt, sagte ein israelischer Militärvertreter.",
            "Korridor",
            "israelischer Militärvertreter",
        ),
        (
            "Laut ägyptischen Beamten ist der Grenzübergang geschlossen.",
            "Grenzübergang",
            "ägyptischen Beamten",
        ),
        (
            "Ein Sprecher des Außenministeriums sagte, der Korridor bleibe.",
            "Korridor",
            "Sprecher des Außenministeriums",
        ),
        ("Der Grenzübergang bleibt zu, sagte Netanjahu am Montag.", "Grenzübergang", "Netanjahu"),
        (
            '"Der Korridor bleibt", hatte der Berater von Premier Benjamin Netanjahu mitgeteilt.',
            "Korridor",
            "Berater von Premier Benjamin Netanjahu",
        ),
        ("Die Armee hat am Montag gesagt, der Grenzübergang bleibe zu.", "Grenzübergang", "Armee"),
        ("Israel hat den Korridor besetzt.", "Korridor", None),
        # Arabic, Hebrew
        ("وقال المتحدث باسم الجيش إن المعبر مغلق.", "المعبر", "المتحدث باسم الجيش"),
        ("המעבר סגור, אמר דובר הצבא.", "המעבר", "דובר הצבא"),
    ],
)
def test_speaker(text: str, phrase: str, expected: str | None) -> None:
    assert speaker(text, phrase) == expected


WORDS = [
    "Hamas",
    "said",
    "the",
    "corridor",
    ",",
    ".",
    "«",
    "»",
    '"',
    "according",
    "to",
    "de",
    "la",
    "a",
    "déclaré",
    "sagte",
    "der",
    "al-Hayya",
    "officials",
    "قال",
    "المعبر",
    "אמר",
    "Le",
    "egiziane",
    "who",
    "\n",
    "told",
    "İ",
    "ß",
]


@given(st.lists(st.sampled_from(WORDS), max_size=40), st.data())
def test_a_speaker_is_always_text_of_the_article(words: list[str], data: st.DataObject) -> None:
    text = " ".join(words)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    speaker = find_speaker(text, start, end)
    assert speaker is None or (speaker.strip() == speaker and speaker in text)


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


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        # Subject before the verb, then "that": the subject speaks, not the clause after.
        ("נתניהו אמר כי ישראל לא תצא מציר פילדלפי.", "ציר פילדלפי", "נתניהו"),
        ("ראש הממשלה בנימין נתניהו אמר אתמול כי ישראל תישאר בציר פילדלפי.", "ציר פילדלפי",
         "הממשלה בנימין נתניהו"),
        ("מצרים הודיעה שמעבר רפיח ייסגר.", "מעבר רפיח", "מצרים"),
        ("نتنياهو قال إن إسرائيل لن تنسحب من محور فيلادلفيا.", "محور فيلادلفيا", "نتنياهو"),
        # Verb first, subject after it (the order the finder knew already).
        ("وقال نتنياهو إن إسرائيل لن تنسحب من محور فيلادلفيا.", "محور فيلادلفيا", "نتنياهو"),
        ("אמר נתניהו כי ציר פילדלפי חיוני.", "ציר פילדלפי", "נתניהו"),
        ("قال المتحدث باسم الخارجية المصرية اليوم إن معبر رفح مفتوح.", "معبر رفح",
         "المتحدث باسم الخارجية"),
    ],
)  # fmt: skip
def test_hebrew_and_arabic_word_orders(text: str, phrase: str, expected: str) -> None:
    start = text.index(phrase)
    speaker = find_speaker(text, start, start + len(phrase))
    assert speaker is not None and expected in speaker
