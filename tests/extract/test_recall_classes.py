"""Recall and precision classes of issue 12, on made-up snippets in the shapes of real news.

Bare names, shared heads (plurals, duals, coordinations), name variants, references back with a
modifier or a clitic, named agreements, and the traps that must stay out (Rafah the city,
Netzarim the former settlement, Philadelphia the US city). Each case lists every mention the
extractor must return: location, kind and surface, in text order.
"""

from __future__ import annotations

import pytest

from geo.extract.mentions import Extractor
from geo.places.layers import load_gazetteer

PHI = "philadelphi-corridor"
NTZ = "netzarim-corridor"
JCT = "netzarim-junction"
RAF = "rafah-crossing"
KRM = "kerem-shalom-crossing"

Found = list[tuple[str, str, str]]


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor.from_gazetteer(load_gazetteer())


def found(extractor: Extractor, text: str) -> Found:
    return [(m.location_id, m.kind, m.surface) for m in extractor.extract(text)]


def case(text: str, *expected: tuple[str, str, str]) -> pytest.ParameterSet:
    return pytest.param(text, list(expected), id=text[:48])


BARE_NAMES = [
    # Philadelphi alone is the corridor
    case("Israel will not leave Philadelphi, Netanyahu said.", (PHI, "bare", "Philadelphi")),
    case("Troops will stay in Philadelphi for now.", (PHI, "bare", "Philadelphi")),
    case("Israël refuse de quitter Philadelphi.", (PHI, "bare", "Philadelphi")),
    case("Israele non lascerà Philadelphi.", (PHI, "bare", "Philadelphi")),
    case("Israel will Philadelphi nicht räumen.", (PHI, "bare", "Philadelphi")),
    case("ישראל לא תצא מפילדלפי.", (PHI, "bare", "פילדלפי")),
    case("تصر إسرائيل على البقاء في فيلادلفيا", (PHI, "bare", "فيلادلفيا")),
    case(
        "سيطرت إسرائيل على محور فيلادلفيا. وقال نتنياهو إن فيلادلفيا مهم لأمن إسرائيل.",
        (PHI, "explicit", "محور فيلادلفيا"),
        (PHI, "bare", "فيلادلفيا"),
    ),
    # crossings on cue words (with their inflections) or named in full before
    case(
        "Trucks waited at Kerem Shalom, which stayed shuttered.",
        (KRM, "bare", "Kerem Shalom"),
    ),
    case("Kerem Shalom was shut on Sunday.", (KRM, "bare", "Kerem Shalom")),
    case("Israel is closing Kerem Shalom again.", (KRM, "bare", "Kerem Shalom")),
    case("Egypt reopened Rafah for travellers on Monday.", (RAF, "bare", "Rafah")),
    case("Aid trucks entered through Rafah.", (RAF, "bare", "Rafah")),
    case(
        "The Kerem Shalom crossing was hit. Aid groups said Kerem Shalom matters most.",
        (KRM, "explicit", "Kerem Shalom crossing"),
        (KRM, "bare", "Kerem Shalom"),
    ),
    case(
        "Kerem Shalom, the main crossing for goods, handled 200 trucks.",
        (KRM, "bare", "Kerem Shalom"),
    ),
    case(
        "Les camions attendent à Kerem Shalom, fermé depuis dimanche.",
        (KRM, "bare", "Kerem Shalom"),
    ),
    case("L'Égypte a rouvert Rafah aux voyageurs.", (RAF, "bare", "Rafah")),
    case("I camion sono fermi: Kerem Shalom è chiuso da domenica.", (KRM, "bare", "Kerem Shalom")),
    case("Kerem Schalom wurde am Sonntag geschlossen.", (KRM, "bare", "Kerem Schalom")),
    case("המשאיות המתינו בכרם שלום, שנסגר ביום ראשון.", (KRM, "bare", "כרם שלום")),
    case("أعادت مصر فتح رفح أمام المسافرين", (RAF, "bare", "رفح")),
    case("Egypt demanded the reopening of Rafah.", (RAF, "bare", "Rafah")),
    # a name that shares a coordination with a bare name of its kind
    case(
        "Israel will stay in Philadelphi and Netzarim.",
        (PHI, "bare", "Philadelphi"),
        (NTZ, "bare", "Netzarim"),
    ),
    # Netzarim, the former settlement, on corridor cues or named in full before
    case("Troops began their withdrawal from Netzarim on Sunday.", (NTZ, "bare", "Netzarim")),
    case("Israel zieht Truppen aus Netzarim ab.", (NTZ, "bare", "Netzarim")),
    case(
        "L'armée a quitté le couloir de Netzarim. L'évacuation de Netzarim est achevée.",
        (NTZ, "explicit", "couloir de Netzarim"),
        (NTZ, "bare", "Netzarim"),
    ),
    # Philadelphia: named in full before, and corridor cues around it
    case(
        "The Philadelphia corridor stays guarded. Israel must withdraw from Philadelphia soon.",
        (PHI, "explicit", "Philadelphia corridor"),
        (PHI, "bare", "Philadelphia"),
    ),
    # a coordination with a bare name vouches for the one beside it; "el" is the elided noun
    case(
        "Los corredores clave son el Filadelfia y el Netzarim, bajo control israelí.",
        (PHI, "bare", "Filadelfia"),
        (NTZ, "bare", "Netzarim"),
    ),
    # crossings: coordinated with another crossing, "that of" after a type word, trucks, transit
    case("Aid was rerouted from Kerem Shalom and Nitzana.", (KRM, "bare", "Kerem Shalom")),
    case(
        "Gli aiuti vanno dal valico di Rafah a quello di Kerem Shalom.",
        (RAF, "explicit", "valico di Rafah"),
        (KRM, "bare", "Kerem Shalom"),
    ),
    case(
        "Kerem Shalom allows faster transit than Rafah.",
        (KRM, "bare", "Kerem Shalom"),
        (RAF, "bare", "Rafah"),
    ),
    case("مئات الشاحنات عالقة أمام رفح", (RAF, "bare", "رفح")),
    case("إسرائيل تغلق كرم أبوسالم لليوم الثاني", (KRM, "explicit", "كرم أبوسالم")),
    # a dateline on the next line is no "Rafah, Sinai" (the town)
    case("ومئات الشاحنات عالقة أمام رفح\n\nسيناء – تقرير", (RAF, "bare", "رفح")),
    case("وصلت الشاحنات إلى رفح سيناء"),
    case("Refah'ın yarın açılması bekleniyor.", (RAF, "bare", "Refah")),
]

SHARED_HEADS = [
    case(
        "Israel wants to keep the Netzarim and Philadelphi corridors.",
        (NTZ, "explicit", "Netzarim"),
        (PHI, "explicit", "Philadelphi corridors"),
    ),
    case(
        "Troops still hold the Netzarim and Philadelphi axes.",
        (NTZ, "explicit", "Netzarim"),
        (PHI, "explicit", "Philadelphi axes"),
    ),
    case(
        "Aid entered through the Rafah and Kerem Shalom crossings.",
        (RAF, "explicit", "Rafah"),
        (KRM, "explicit", "Kerem Shalom crossings"),
    ),
    case(
        "Israele mantiene i corridoi Filadelfia e Netzarim.",
        (PHI, "explicit", "corridoi Filadelfia"),
        (NTZ, "explicit", "Netzarim"),
    ),
    case(
        "Israël contrôle les couloirs de Philadelphie et de Netzarim.",
        (PHI, "explicit", "couloirs de Philadelphie"),
        (NTZ, "explicit", "Netzarim"),
    ),
    case(
        "Israel behält die Kontrolle des Philadelphi-Korridors.",
        (PHI, "explicit", "Philadelphi-Korridors"),
    ),
    case(
        "Die Grenzübergänge Rafah und Kerem Schalom bleiben zu.",
        (RAF, "explicit", "Grenzübergänge Rafah"),
        (KRM, "explicit", "Kerem Schalom"),
    ),
    case(
        "Israel will die Philadelphi- und Netzarim-Korridore halten.",
        (PHI, "explicit", "Philadelphi"),
        (NTZ, "explicit", "Netzarim-Korridore"),
    ),
    case(
        "أغلقت إسرائيل معبري رفح وكرم أبو سالم",
        (RAF, "explicit", "معبري رفح"),
        (KRM, "explicit", "كرم أبو سالم"),
    ),
    case(
        "تصر إسرائيل على البقاء في محوري فيلادلفيا ونتساريم",
        (PHI, "explicit", "محوري فيلادلفيا"),
        (NTZ, "explicit", "نتساريم"),
    ),
    case(
        "ישראל תישאר בצירי פילדלפי ונצרים.",
        (PHI, "explicit", "צירי פילדלפי"),
        (NTZ, "explicit", "נצרים"),
    ),
    case(
        "מעברי רפיח וכרם שלום נסגרו.",
        (RAF, "explicit", "מעברי רפיח"),
        (KRM, "explicit", "כרם שלום"),
    ),
    # the last conjunct is none of the five: the names before it share its type word
    case("Aid entered through the Rafah and Erez crossings.", (RAF, "explicit", "Rafah")),
    case(
        "Tırlar Refah, Kerem Ebu Salim ve El-Avja Sınır Kapıları'ndan geçti.",
        (RAF, "explicit", "Refah"),
        (KRM, "explicit", "Kerem Ebu Salim"),
    ),
]

VARIANTS = [
    case("Troops patrol the Philadelphia corridor.", (PHI, "explicit", "Philadelphia corridor")),
    case("Troops patrol the Philadelphia axis.", (PHI, "explicit", "Philadelphia axis")),
    case("Israel holds the Salah al-Din axis.", (PHI, "explicit", "Salah al-Din axis")),
    case("Israel holds the Salah al-Din corridor.", (PHI, "explicit", "Salah al-Din corridor")),
    case("سيطر الجيش على محور صلاح الدين", (PHI, "explicit", "محور صلاح الدين")),
    case("Trucks entered via Karam Abu Salem.", (KRM, "explicit", "Karam Abu Salem")),
    case("عبرت الشاحنات من كرم أبو سالم", (KRM, "explicit", "كرم أبو سالم")),
    case(
        "Le passage terrestre de Rafah a rouvert.", (RAF, "explicit", "passage terrestre de Rafah")
    ),
    case("La porte de Rafah reste fermée.", (RAF, "explicit", "porte de Rafah")),
    case(
        "Le point de passage frontalier de Rafah est fermé.",
        (RAF, "explicit", "point de passage frontalier de Rafah"),
    ),
    case("Il valico terrestre di Rafah è chiuso.", (RAF, "explicit", "valico terrestre di Rafah")),
    case(
        "Soldaten sind im sogenannten philadelphischen Korridor präsent.",
        (PHI, "explicit", "philadelphischen Korridor"),
    ),
    case(
        "Über den Warengrenzübergang Kerem Schalom kommen Hilfsgüter.",
        (KRM, "explicit", "Warengrenzübergang Kerem Schalom"),
    ),
    case("פרוזדור נצרים נפתח מחדש.", (NTZ, "explicit", "פרוזדור נצרים")),
    case("La ayuda llegó por el paso de Rafá.", (RAF, "explicit", "paso de Rafá")),
    case("El límite llega hasta el Paso Karem Shalom.", (KRM, "explicit", "Paso Karem Shalom")),
    case("إسرائيل تغلق معبر كرم أبوسالم", (KRM, "explicit", "معبر كرم أبوسالم")),
    case(
        "İsrail, Netzarim ismini verdiği koridordan çekildi.",
        (NTZ, "explicit", "Netzarim ismini verdiği koridordan"),
    ),
]

REFERENCES_BACK = [
    case(
        "The Philadelphi Corridor runs along the border. Israel wants to keep the border axis.",
        (PHI, "explicit", "Philadelphi Corridor"),
        (PHI, "anaphoric", "the border axis"),
    ),
    case(
        "Israel seized the Netzarim Corridor. Troops now hold the entire corridor.",
        (NTZ, "explicit", "Netzarim Corridor"),
        (NTZ, "anaphoric", "the entire corridor"),
    ),
    case(
        "Il corridoio Filadelfia è lungo 14 km. Israele controlla l'intero corridoio.",
        (PHI, "explicit", "corridoio Filadelfia"),
        (PHI, "anaphoric", "l'intero corridoio"),
    ),
    case(
        "Le couloir de Philadelphie est étroit. Israël tient le même couloir depuis mai.",
        (PHI, "explicit", "couloir de Philadelphie"),
        (PHI, "anaphoric", "le même couloir"),
    ),
    case(
        "Der Philadelphi-Korridor ist schmal. Israel kontrolliert den gesamten Korridor.",
        (PHI, "explicit", "Philadelphi-Korridor"),
        (PHI, "anaphoric", "den gesamten Korridor"),
    ),
    case(
        "ציר פילדלפי נמצא בדרום. צה״ל נשאר בציר.",
        (PHI, "explicit", "ציר פילדלפי"),
        (PHI, "anaphoric", "בציר"),
    ),
    case(
        "ציר פילדלפי חשוב. ישראל לא תוותר על הציר הזה.",
        (PHI, "explicit", "ציר פילדלפי"),
        (PHI, "anaphoric", "הציר הזה"),
    ),
    case(
        "ציר פילדלפי חשוב. ישראל תחזיר כוחות לציר הזה בקרוב.",
        (PHI, "explicit", "ציר פילדלפי"),
        (PHI, "anaphoric", "לציר הזה"),
    ),
    case(
        "מעבר רפיח נסגר. במעבר עברו אתמול אלפים.",
        (RAF, "explicit", "מעבר רפיח"),
        (RAF, "anaphoric", "במעבר"),
    ),
    case(
        "מעבר רפיח נסגר. מהמעבר יצאו משאיות.",
        (RAF, "explicit", "מעבר רפיח"),
        (RAF, "anaphoric", "המעבר"),
    ),
    # a plural refers back to the last two places of its kind, once for each
    case(
        "The Rafah crossing and the Kerem Shalom crossing closed. The UN condemned the "
        "closure of the two crossings.",
        (RAF, "explicit", "Rafah crossing"),
        (KRM, "explicit", "Kerem Shalom crossing"),
        (RAF, "anaphoric", "the two crossings"),
        (KRM, "anaphoric", "the two crossings"),
    ),
    case(
        "Israel quiere el corredor de Netzarim y el corredor de Filadelfia. ¿Qué son estos "
        "corredores?",
        (NTZ, "explicit", "corredor de Netzarim"),
        (PHI, "explicit", "corredor de Filadelfia"),
        (NTZ, "anaphoric", "estos corredores"),
        (PHI, "anaphoric", "estos corredores"),
    ),
    # a type word of two kinds refers back to the place of either named last
    case(
        "Israel hält den Philadelphi-Korridor. Die Kontrolle über die Passage gibt es nicht ab.",
        (PHI, "explicit", "Philadelphi-Korridor"),
        (PHI, "anaphoric", "die Passage"),
    ),
    case(
        "El cruce de Rafah está cerrado. Este cruce es vital.",
        (RAF, "explicit", "cruce de Rafah"),
        (RAF, "anaphoric", "Este cruce"),
    ),
]

FALSE_HITS = [
    case(
        "A rocket fired from Rafah hit the Kerem Shalom crossing.",
        (KRM, "explicit", "Kerem Shalom crossing"),
    ),
    case(
        "The Rafah agreement of 2005 let the crossing reopen.",
    ),
    case(
        "The Philadelphi agreement with Egypt limits troops.",
    ),
    case(
        "The Philadelphi Accord was signed in 2005.",
    ),
    case(
        "Das Philadelphi-Abkommen regelt die Truppen.",
    ),
    case(
        "הסכם פילדלפי נחתם ב-2005.",
    ),
    case(
        "הסכם רפיח קבע שהמעבר ייפתח.",
    ),
    case(
        "اتفاق رفح ينظم فتح المعبر",
    ),
    case(
        "L'accord de Philadelphi limite les troupes.",
    ),
    # a predicate ("this is the only crossing") is no reference back
    case(
        "מעבר כרם שלום נסגר. זהו המעבר היחיד לסחורות.",
        (KRM, "explicit", "מעבר כרם שלום"),
    ),
    # a plural needs two places of its kind named before
    case(
        "The Rafah crossing opened. These crossings matter.",
        (RAF, "explicit", "Rafah crossing"),
    ),
]

TRAPS = [
    case(
        "Strikes hit Rafah overnight.",
    ),
    case(
        "The city of Rafah was closed off by troops.",
    ),
    case(
        "Israeli tanks pushed into Rafah as the border stayed closed.",
    ),
    case(
        "The Rafah crossing stayed closed. Strikes hit Rafah overnight.",
        (RAF, "explicit", "Rafah crossing"),
    ),
    case(
        "Residents of Kibbutz Kerem Shalom reopened the school.",
    ),
    case(
        "He grew up in Netzarim before the 2005 pullout.",
    ),
    case(
        "the former Netzarim settlement",
    ),
    case(
        "The Netzarim Corridor was vacated. Netzarim was a settlement until 2005.",
        (NTZ, "explicit", "Netzarim Corridor"),
    ),
    case(
        "She flew to Philadelphia to meet voters.",
    ),
    case(
        "He flew to Philadelphia, Pennsylvania.",
    ),
    case(
        "Israel will not leave the Philadelphi Corridor. Harris then flew to Philadelphia.",
        (PHI, "explicit", "Philadelphi Corridor"),
    ),
    case(
        "Tanks moved along Salah al-Din Road.",
    ),
    case(
        "Salah al-Din Street was closed to traffic.",
    ),
    case(
        "أغلق الجيش شارع صلاح الدين",
    ),
    case(
        "Philadelphia's mayor reopened the library.",
    ),
    case(
        "ولد في مدينة فيلادلفيا الأمريكية",
    ),
    case(
        "The Rafah crossing is shut. The Erez crossing opened.",
        (RAF, "explicit", "Rafah crossing"),
    ),
    case(
        "The Netzarim Corridor is empty. A humanitarian corridor opened.",
        (NTZ, "explicit", "Netzarim Corridor"),
    ),
    case(
        "מעבר רפיח נסגר. במעבר ארז עברו פועלים.",
        (RAF, "explicit", "מעבר רפיח"),
    ),
    case("Israeli tanks entered Rafah and seized the crossings."),
    case("The offensive on Rafah has shut the crossing."),
    case("Israel closed off Rafah after the raid."),
    case("Troops opened fire at Rafah."),
    case("He left Philadelphia and Netzarim behind."),
    case("Sharon once said Netzarim was like Tel Aviv; in 2005 troops withdrew from Gaza."),
    case("הכוחות נשארו ביישוב נצרים."),
    case("The National Guard deployed troops to Philadelphia."),
    case("Rafa Nadal abrió el torneo."),
    case("Gazze'nin güneyindeki Refah'ta bulunan hastane vuruldu."),
    case(
        "מעבר רפיח נסגר. המעבר לשלב השני נדחה.",
        (RAF, "explicit", "מעבר רפיח"),
    ),
    case(
        "מעבר רפיח נסגר. במעבר לשלב השני יש עיכוב.",
        (RAF, "explicit", "מעבר רפיח"),
    ),
]


@pytest.mark.parametrize(("text", "expected"), BARE_NAMES)
def test_bare_names(extractor: Extractor, text: str, expected: Found) -> None:
    assert found(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), SHARED_HEADS)
def test_shared_heads(extractor: Extractor, text: str, expected: Found) -> None:
    assert found(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), VARIANTS)
def test_variants(extractor: Extractor, text: str, expected: Found) -> None:
    assert found(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), REFERENCES_BACK)
def test_references_back(extractor: Extractor, text: str, expected: Found) -> None:
    assert found(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), FALSE_HITS)
def test_false_hits(extractor: Extractor, text: str, expected: Found) -> None:
    assert found(extractor, text) == expected


@pytest.mark.parametrize(("text", "expected"), TRAPS)
def test_traps(extractor: Extractor, text: str, expected: Found) -> None:
    assert found(extractor, text) == expected


def confidences(extractor: Extractor, text: str) -> list[tuple[str, float]]:
    return [(m.kind, m.confidence) for m in extractor.extract(text)]


def test_confidence_follows_the_evidence(extractor: Extractor) -> None:
    assert confidences(extractor, "The Rafah crossing opened.") == [("explicit", 1.0)]
    assert confidences(extractor, "Kerem Shalom was shut on Sunday.") == [("bare", 0.75)]
    named_before = "The Kerem Shalom crossing was hit. Aid groups said Kerem Shalom matters."
    assert confidences(extractor, named_before) == [("explicit", 1.0), ("bare", 0.9)]
    near = "The Netzarim Corridor is empty. The corridor was vacated."
    assert confidences(extractor, near) == [("explicit", 1.0), ("anaphoric", 0.8)]
    far = "The Netzarim Corridor is empty." + " Filler words here." * 60 + " The corridor."
    (_, _), (kind, anaphoric) = confidences(extractor, far)
    assert kind == "anaphoric" and 0.5 <= anaphoric < 0.8
