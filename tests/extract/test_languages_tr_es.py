"""Turkish and Spanish as full extraction languages, on the shipped layers.

Names and their built forms, Turkish case endings (after an apostrophe or straight on the
word), references back, town and kibbutz traps, speakers, and articles ingested into a store.
The sentences are made up for the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.extract.matcher import PhraseAutomaton
from geo.extract.mentions import Extractor
from geo.ingest.articles import detect_language
from geo.ingest.pipeline import ingest_items
from geo.places import load_gazetteer
from geo.store.database import Store

PHILADELPHI = "philadelphi-corridor"
RAFAH = "rafah-crossing"
KEREM = "kerem-shalom-crossing"
NETZARIM = "netzarim-corridor"
JUNCTION = "netzarim-junction"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor.from_gazetteer(load_gazetteer())


def found(extractor: Extractor, text: str) -> list[tuple[str, str, str]]:
    return [(m.location_id, m.kind, m.surface) for m in extractor.extract(text)]


def test_the_layers_name_every_place_in_turkish_and_spanish() -> None:
    gazetteer = load_gazetteer()
    for lang in ("tr", "es"):
        named = {a.location_id for a in gazetteer.aliases if a.lang == lang}
        assert named == {PHILADELPHI, RAFAH, KEREM, NETZARIM, JUNCTION}, lang


@pytest.mark.parametrize(
    ("text", "location", "surface"),
    [
        # Turkish names
        ("İsrail, Philadelphi Koridoru üzerinde kalmak istiyor.", PHILADELPHI, None),
        ("Müzakereciler Philadelphia Koridoru konusunu tartıştı.", PHILADELPHI, None),
        ("Selahaddin Koridoru boyunca yeni bir duvar planlanıyor.", PHILADELPHI, None),
        ("Refah Sınır Kapısı sabah saatlerinde hizmete girdi.", RAFAH, None),
        ("Yardım konvoyu Refah Kapısı önünde bekledi.", RAFAH, None),
        ("Kerem Şalom Sınır Kapısı yakınında tırlar sıralandı.", KEREM, None),
        ("Tırlar Kerem Şalom üzerinden ilerledi.", KEREM, None),
        ("Kerem Ebu Salim Sınır Kapısı bir gün işlemedi.", KEREM, None),
        ("Tırlar Kerem Ebu Salim üzerinden ilerledi.", KEREM, None),
        ("Netzarim Koridoru iki bölgeyi ayırıyor.", NETZARIM, None),
        ("Netzarim Kavşağı yakınında bir kontrol noktası kuruldu.", JUNCTION, None),
        # Spanish names
        ("El corredor de Filadelfia sigue bajo control militar.", PHILADELPHI, None),
        ("Las tropas vigilan el corredor Filadelfia desde mayo.", PHILADELPHI, None),
        ("La ruta de Filadelfia bordea la frontera.", PHILADELPHI, None),
        ("El corredor Saladino mide unos catorce kilómetros.", PHILADELPHI, None),
        ("Se habló del eje de Salah al Din en la reunión.", PHILADELPHI, None),
        ("El paso de Rafah no tuvo actividad el martes.", RAFAH, None),
        ("Los camiones esperaban ante el paso fronterizo de Rafah.", RAFAH, None),
        ("Los voluntarios se reunieron en el cruce de Rafah.", RAFAH, None),
        ("Nadie salió por el puesto de Rafah en toda la semana.", RAFAH, None),
        ("La carga llegó al paso de Kerem Shalom por la mañana.", KEREM, None),
        ("Hubo colas en el paso fronterizo de Kerem Shalom.", KEREM, None),
        ("El cruce de Kerem Shalom recibió la carga.", KEREM, None),
        ("Hubo colas en el cruce fronterizo de Kerem Shalom.", KEREM, None),
        ("El puesto de Kerem Shalom recibió la carga.", KEREM, None),
        ("El corredor Netzarim divide la Franja.", NETZARIM, None),
        ("Las tropas dejaron el corredor de Netzarim.", NETZARIM, None),
        ("El eje Netzarim fue asfaltado.", NETZARIM, None),
        ("Hubo disparos cerca del cruce de Netzarim.", JUNCTION, None),
        # built from a name and the type words, not listed as aliases
        ("Se discutió el eje de Filadelfia.", PHILADELPHI, "eje de Filadelfia"),
        ("Se discutió el corredor de Philadelphi.", PHILADELPHI, "corredor de Philadelphi"),
        (
            "Una delegación visitó el puesto fronterizo de Rafah.",
            RAFAH,
            "puesto fronterizo de Rafah",
        ),
        ("Refah sınır geçişi yeniden işler hale geldi.", RAFAH, "Refah sınır geçişi"),
    ],
)
def test_names(extractor: Extractor, text: str, location: str, surface: str | None) -> None:
    (mention,) = extractor.extract(text)
    assert (mention.location_id, mention.kind) == (location, "explicit")
    if surface is not None:
        assert mention.surface == surface
    assert mention.surface.casefold() in text.casefold()
    assert text[mention.start : mention.end] == mention.surface


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # after an apostrophe: the mention stops before it
        ("Tırlar Refah Sınır Kapısı'nda bekletildi.", (RAFAH, "Refah Sınır Kapısı")),
        (
            "Askerler Philadelphi Koridoru'nda devriye geziyor.",
            (PHILADELPHI, "Philadelphi Koridoru"),
        ),
        ("İsrail güçleri Netzarim Koridoru'ndan çekildi.", (NETZARIM, "Netzarim Koridoru")),
        ("İsrail güçleri Netzarim Koridoru’ndan çekildi.", (NETZARIM, "Netzarim Koridoru")),
        ("Yardımlar Kerem Şalom'a ulaştı.", (KEREM, "Kerem Şalom")),
        ("Askerler Netzarim Kavşağı'nda nöbet tutuyor.", (JUNCTION, "Netzarim Kavşağı")),
        ("Yolcular Refah'tan geçiş için bekliyor.", (RAFAH, "Refah")),  # bare, a crossing cue
        # straight on the word: the mention takes the whole word
        ("Mısır, Refah sınır kapısını yeniden kapattı.", (RAFAH, "Refah sınır kapısını")),
        ("Tırlar Kerem Şalom Sınır Kapısından geçti.", (KEREM, "Kerem Şalom Sınır Kapısından")),
        ("Askerler Philadelphi koridorunda kaldı.", (PHILADELPHI, "Philadelphi koridorunda")),
        ("Ordu Netzarim koridorundan çekildi.", (NETZARIM, "Netzarim koridorundan")),
        ("Tırlar Refah Kapısına ulaştı.", (RAFAH, "Refah Kapısına")),
    ],
)
def test_turkish_case_endings(extractor: Extractor, text: str, expected: tuple[str, str]) -> None:
    assert [(m.location_id, m.surface) for m in extractor.extract(text)] == [expected]


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ"])
def test_an_apostrophe_ends_a_word_for_the_matcher(apostrophe: str) -> None:
    automaton = PhraseAutomaton([("refah", "r"), ("kerem şalom", "k")])
    text = f"Refah{apostrophe}tan Kerem Şalom{apostrophe}a, Refahtan"
    assert [(h.start, h.end, h.payload) for h in automaton.find(text)] == [
        (0, 5, "r"),
        (10, 21, "k"),
    ]


@pytest.mark.parametrize("apostrophe", ["'", "’", "ʼ"])
def test_english_possessive_is_still_the_town(extractor: Extractor, apostrophe: str) -> None:
    assert found(extractor, f"Rafah{apostrophe}s residents left as the border stayed shut.") == []
    assert found(extractor, f"The Rafah crossing{apostrophe}s gates opened.") == [
        (RAFAH, "explicit", "Rafah crossing")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Philadelphi Koridoru gündemde. Netanyahu bu koridordan çekilmeyeceklerini söyledi.",
            (PHILADELPHI, "bu koridordan"),
        ),
        (
            "Netzarim Koridoru boşaltıldı. Bu koridor İsrail için önemliydi.",
            (NETZARIM, "Bu koridor"),
        ),
        (
            "Refah Sınır Kapısı kapalı kaldı. Yetkililer söz konusu sınır kapısının ne zaman "
            "açılacağını bilmiyor.",
            (RAFAH, "söz konusu sınır kapısının"),
        ),
        (
            "El corredor de Filadelfia es estrecho. Netanyahu quiere que el corredor siga en "
            "manos del ejército.",
            (PHILADELPHI, "el corredor"),
        ),
        ("Egipto abrió el paso de Rafah. Este paso es la única salida.", (RAFAH, "Este paso")),
        (
            "Las tropas dejaron el corredor de Netzarim. Dicho corredor quedó vacío.",
            (NETZARIM, "Dicho corredor"),
        ),
        # Turkish has no article: a type word on its own refers back too
        (
            "Philadelphi Koridoru gündemde. Koridor boyunca tüneller var.",
            (PHILADELPHI, "Koridor"),
        ),
        (
            "Philadelphi Koridoru gündemde. Dahlan kovulunca koridorun kontrolü Hamas'a geçti.",
            (PHILADELPHI, "koridorun"),
        ),
        (
            "Refah Sınır Kapısı açıldı. Tırlar, sınır kapısından geçerek Gazze'ye girdi.",
            (RAFAH, "sınır kapısından"),
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
        # Turkish: a type word after a modifier or a name is some other place
        "Philadelphi Koridoru gündemde. İnsani koridor açıldı.",
        "Philadelphi Koridoru gündemde. Yeni bir koridor açıldı.",
        "Refah Sınır Kapısı kapalı. Erez sınır kapısından geçişler sürüyor.",
        "Refah Sınır Kapısı kapalı. Mısır'daki 3 sınır kapısı açık.",
        # Spanish "el cruce" may be a crossing or a junction
        "El paso de Rafah estuvo activo. El cruce quedó vacío por la tarde.",
        "El corredor de Filadelfia es estrecho. El corredor de la muerte es otro.",
        "El corredor quedó vacío.",  # nothing named before
    ],
)
def test_no_reference_back(extractor: Extractor, text: str) -> None:
    assert [m for m in extractor.extract(text) if m.kind == "anaphoric"] == []


def test_turkish_plural_refers_back_to_both_corridors(extractor: Extractor) -> None:
    text = (
        "Netzarim Koridoru ve Philadelphi Koridoru'ndan çekilmeyecekler. Netanyahu bu "
        "koridorların önemli olduğunu söyledi."
    )
    anaphoric = [
        (m.location_id, m.surface) for m in extractor.extract(text) if m.kind == "anaphoric"
    ]
    assert anaphoric == [(NETZARIM, "bu koridorların"), (PHILADELPHI, "bu koridorların")]


@pytest.mark.parametrize(
    "text",
    [
        "Refah kenti yeniden bombalandı ve yollar kapatıldı.",
        "Refah şehrinde yollar kapatıldı.",
        "Refah'ın doğusunda geçişler durdu.",
        "Yeniden Refah Partisi kongresi kapatıldı.",
        "Kerem Şalom kibbutzu sakinleri tahliye edildi.",
        "La ciudad de Rafah quedó cerrada al tráfico.",
        "Los vecinos de la ciudad de Rafah huyeron tras el cierre.",
        "El kibutz de Kerem Shalom fue evacuado y cerrado.",
        "Viajó a Filadelfia para la cumbre.",
        "Strikes hit Refah overnight.",  # a bare name needs a crossing sentence
    ],
)
def test_traps(extractor: Extractor, text: str) -> None:
    assert found(extractor, text) == []


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Refah Sınır Kapısı'nın kapalı kalacağını Hamas açıkladı.", "Hamas"),
        ("“Philadelphi Koridoru'ndan çekilmeyeceğiz” dedi Netanyahu.", "Netanyahu"),
        ("Netzarim Koridoru'nun boşaltıldığını Hamas ifade etti.", "Hamas"),
        ("El paso de Rafah seguirá cerrado, dijo Netanyahu.", "Netanyahu"),
        ("El corredor de Filadelfia es clave, dijo el ministro de Defensa.", "ministro de Defensa"),
        ("Según Hamás, el corredor de Filadelfia debe quedar libre.", "Hamás"),
        ("Egipto aseguró que el paso de Rafah abrirá pronto.", "Egipto"),
    ],
)
def test_speakers(extractor: Extractor, text: str, speaker: str) -> None:
    (mention,) = extractor.extract(text)
    assert mention.speaker == speaker


TURKISH = (
    "Mısır ile Gazze arasındaki Refah Sınır Kapısı'nın yeniden açılması için görüşmeler sürüyor. "
    "İsrail ise Philadelphi Koridoru'ndan çekilmeyeceğini bir kez daha duyurdu ve bu koridorun "
    "önemli olduğunu söyledi. Yardım tırları Kerem Şalom Sınır Kapısı önünde bekliyor."
)
SPANISH = (
    "Egipto y Qatar volvieron a reunirse en El Cairo para hablar del paso de Rafah, que sigue "
    "cerrado. Israel quiere mantener sus tropas en el corredor de Filadelfia y en el corredor de "
    "Netzarim, según fuentes de la negociación. El paso fronterizo de Kerem Shalom recibió ayuda."
)


def test_turkish_and_spanish_articles_are_detected() -> None:
    assert detect_language(TURKISH) == "tr"
    assert detect_language(SPANISH) == "es"


def test_turkish_and_spanish_articles_put_their_places_on_the_map(
    tmp_path: Path, extractor: Extractor
) -> None:
    (tmp_path / "turkish.txt").write_text(TURKISH, encoding="utf-8")
    (tmp_path / "spanish.txt").write_text(SPANISH, encoding="utf-8")
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        report = ingest_items(
            store, extractor, [str(tmp_path / "turkish.txt"), str(tmp_path / "spanish.txt")]
        )
        records = {Path(r.label).stem: r for r in report.records}
        assert {name: (r.status, r.note) for name, r in records.items()} == {
            "turkish": ("stored", None),
            "spanish": ("stored", None),
        }
        places = {
            name: sorted({m.location_id for m in store.article_mentions(r.article_id or "")})
            for name, r in records.items()
        }
        kinds = {
            name: sorted(m.kind for m in store.article_mentions(r.article_id or ""))
            for name, r in records.items()
        }
        (turkish,) = (a for a in store.articles() if a.id == records["turkish"].article_id)
    assert turkish.lang == "tr"
    assert places == {
        "turkish": [KEREM, PHILADELPHI, RAFAH],
        "spanish": [KEREM, NETZARIM, PHILADELPHI, RAFAH],
    }
    assert kinds["turkish"].count("anaphoric") == 1  # "bu koridorun"
    assert records["turkish"].mentions == 4 and records["spanish"].mentions == 4
