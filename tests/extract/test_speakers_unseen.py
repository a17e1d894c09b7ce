"""Speakers: the shapes of attribution met in real news (made-up sentences, one rule each)."""

import pytest

from geo.extract.speakers import find_speaker


def speaker(text: str, phrase: str) -> str | None:
    start = text.index(phrase)
    return find_speaker(text, start, start + len(phrase))


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        # English: an acronym in brackets names the body; "it said" refers back to it.
        (
            "Trucks crossed at Kerem Shalom, the Office of Border Affairs (OBA) reported. "
            '"The Rafah crossing opens next week," it said in a statement.',
            "Rafah crossing",
            "OBA",
        ),
        ("Trucks crossed at Kerem Shalom, the Office of Border Affairs (OBA) reported.",
         "Kerem Shalom", "OBA"),
        ("Senior official John Doe described the pullout from Netzarim as a defeat.",
         "Netzarim", "Senior official John Doe"),
        ('The Reuters report reads: "Tanks reached the Netzarim Junction."', "Netzarim",
         "Reuters report"),
        # a title in apposition with a name: the name
        ("The army spokesman, Rear Admiral Jane Roe, said the corridor was taken.",
         "corridor", "Rear Admiral Jane Roe"),
        # a quote over several sentences; "X told reporters"
        ('"The corridor is ours. We will stay there," Smith told reporters.', "corridor",
         "Smith"),
        # a quote standing alone after one attributed
        ('"We will not give in," Smith said at a news conference. '
         '"The corridor stays in our hands."', "corridor", "Smith"),
        # French: imperfect in an incise, a date between verb and subject
        ("«Le couloir est à nous. Il restera fermé, affirmait lundi le ministre Jean Dupont. "
         "Rien ne changera.»", "couloir", "ministre Jean Dupont"),
        ("Le porte-parole de l'armée, le colonel Paul Martin, a déclaré que le couloir était "
         "fermé.", "couloir", "colonel Paul Martin"),
        ("Le poste est fermé, a rapporté samedi le journal Le Monde. Selon le média, le couloir "
         "reste ouvert.", "couloir", "journal Le Monde"),
        ("Des camions ont franchi le passage de Kerem Shalom, ont indiqué des responsables.",
         "Kerem Shalom", "responsables"),
        ("Le poste a été attaqué, a en outre déclaré le porte-parole.", "poste", "porte-parole"),
        # a quote opened with “ and closed with ", the pronoun naming the one before
        ("Le général Paul Martin a déclaré que l'armée avançait. “Nos troupes tiennent le "
         'couloir. Le passage est fermé", explique-t-il.', "couloir", "général Paul Martin"),
        # Italian: the next sentence names who said it ("Lo ha dichiarato X")
        ("Il valico resta chiuso. Lo ha dichiarato il ministro degli Esteri Luigi Bianchi.",
         "valico", "ministro degli Esteri Luigi Bianchi"),
        ("Il valico resta chiuso. Lo sostiene il primo ministro Luigi Bianchi, in un discorso.",
         "valico", "primo ministro Luigi Bianchi"),
        # a hard-wrapped text: the quote and the sentence run over lines
        ('"Il corridoio resta\nnostro". Lo ha detto il\npremier Mario Rossi in conferenza,\n'
         "annunciando il controllo del valico.", "corridoio", "premier Mario Rossi"),
        ('"Il corridoio resta\nnostro". Lo ha detto il\npremier Mario Rossi in conferenza,\n'
         "annunciando il controllo del valico.", "valico", "premier Mario Rossi"),
        # German: agency reports, "nach … Angaben", verb before its subject, "sagte er"
        ("Der Grenzübergang ist nach israelischen Angaben wieder offen.", "Grenzübergang",
         "israelischen Angaben"),
        ("Der Übergang sei offen, berichtete die Nachrichtenagentur AP am Montag.", "Übergang",
         "Nachrichtenagentur AP"),
        ("Am Abend erklärte der Regierungschef Max Weber, dass Israel den Korridor halte.",
         "Korridor", "Regierungschef Max Weber"),
        ("Regierungschef Max Weber beharrt auf dem Grenzübergang. Die Kontrolle des Korridors "
         "sei nötig, sagte er.", "Korridors", "Regierungschef Max Weber"),
        ("Die Armee und die Behörde für Grenzfragen (BfG) teilten mit, der Übergang sei offen.",
         "Übergang", "BfG"),
        # Spanish: the addressee is not the speaker; a date between verb and subject
        ("«El paso de Rafah sigue cerrado», dijo a EFE un portavoz militar.", "Rafah",
         "portavoz militar"),
        ('"El corredor está vigilado", dijo el martes un funcionario del ejército.', "corredor",
         "funcionario del ejército"),
        ("Los medios de comunicación egipcios aseguraron que el corredor está vacío.",
         "corredor", "medios de comunicación egipcios"),
        # Turkish: the subject opens the sentence; "X'e göre"
        ("Yerel kaynaklar, yardım tırlarının Refah Sınır Kapısı'ndan geçtiğini bildirdi.",
         "Refah", "Yerel kaynaklar"),
        ("Geçişlerin Refah'tan yapılmayacağını vurgulayan Bakan Ali Yılmaz, kapının kapalı "
         "kaldığını belirtti.", "Refah", "Bakan Ali Yılmaz"),
        ("Türkiye'nin yardımlarını taşıyan tırların Refah'tan girişi sürerken Gazze'deki "
         "hükümet, yardımların geciktiğini duyurdu.", "Refah", "Gazze'deki hükümet"),
        ("Bakanlık Sözcüsü Ayşe Kaya'ya göre Refah Sınır Kapısı yarın açılacak.", "Refah",
         "Bakanlık Sözcüsü Ayşe Kaya"),
        ("Mısır Dışişleri Bakanı Ahmet Demir da Refah Sınır Kapısı'nın açılacağını duyurmuştu.",
         "Refah", "Mısır Dışişleri Bakanı Ahmet Demir"),
    ],
)  # fmt: skip
def test_attribution(text: str, phrase: str, expected: str) -> None:
    assert speaker(text, phrase) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        # Hebrew: a headline's "X:", "לדבריו" (his words), subject before or after the verb
        ('שר הביטחון: "ציר פילדלפי יישאר בידינו"', "ציר פילדלפי", "שר הביטחון"),
        ('נתניהו: "לא נוותר"\n\nראש הממשלה דיבר הערב. לדבריו, "ציר פילדלפי חיוני"',
         "ציר פילדלפי", "נתניהו"),
        ("העיתון דיווח שקהיר הבהירה כי היא מתנגדת לשליטה בציר פילדלפי.", "ציר פילדלפי", "קהיר"),
        ("דובר הארגון, משה כהן, אמר לכתבנו כי מעבר רפיח ייפתח.", "מעבר רפיח", "משה כהן"),
        ('על כך אמר השר: "ציר פילדלפי חיוני".', "ציר פילדלפי", "השר"),
        ("מצרים הכחישה את הדיווחים על מעבר רפיח.", "מעבר רפיח", "מצרים"),
        # Arabic: a name set off after a title, the source a paper quotes, verbs of revealing
        ("وقال الخبير العسكري في الشؤون الأمنية، أحمد علي، إن محور فيلادلفيا مهم.",
         "محور فيلادلفيا", "أحمد علي"),
        ('ونقلت صحيفة "هآرتس" عن الوزير يوسي كوهين قوله إن محور فيلادلفيا مهم.',
         "محور فيلادلفيا", "الوزير يوسي كوهين"),
        ("كشفت وسائل إعلام عبرية، اليوم الإثنين، عن خطة لاحتلال محور فيلادلفيا.",
         "محور فيلادلفيا", "وسائل إعلام عبرية"),
        ("المعبر مغلق. وقال مسؤول مصري إن معبر رفح سيفتح.", "معبر رفح", "مسؤول مصري"),
        ('وأوضح نتنياهو أن المحور مهم، قائلًا: "محور فيلادلفيا لنا".', "محور فيلادلفيا",
         "نتنياهو"),
    ],
)  # fmt: skip
def test_hebrew_and_arabic_attribution(text: str, phrase: str, expected: str) -> None:
    found = speaker(text, phrase)
    assert found is not None and expected in found


@pytest.mark.parametrize(
    ("text", "phrase", "wrong"),
    [
        # never a fragment: "לפי" inside "פילדלפי" is no "according to"
        ("הנשק עובר דרך ציר פילדלפי ממצרים.", "ציר פילדלפי", "ממצרים"),
        ('לדבריו, "ציר פילדלפי חיוני"', "ציר פילדלפי", "ו"),
        ("Officials, speaking to Reuters, said the crossing was shut.", "crossing", "Reuters"),
        ("«Hoy cerraron Kerem Shalom», dijo a EFE un portavoz.", "Kerem Shalom", "EFE"),
    ],
)
def test_not_a_fragment_or_an_addressee(text: str, phrase: str, wrong: str) -> None:
    assert speaker(text, phrase) != wrong


def test_article_voice_stays_none() -> None:
    assert speaker("הנשק עובר דרך ציר פילדלפי ממצרים.", "ציר פילדלפי") is None
    assert speaker("Il valico resta chiuso da mesi.", "valico") is None
    assert speaker("Israel hat den Korridor besetzt. Das ist klar.", "Korridor") is None
