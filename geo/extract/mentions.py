"""Find mentions of contested locations in an article: names, bare names, and references back.

Pure: text and gazetteer in, :class:`geo.model.Mention` list out. One scan of the text
(:class:`~geo.extract.matcher.PhraseAutomaton`: case and letter variants are handled by the
matcher, so the text is folded only where it holds diacritics) finds three kinds of phrase:

* **names** — the layer aliases, plus each name core with its kind's type words in every
  language ("Rafah" + "border terminal", "poste de" + "Rafah", «passage terrestre de» +
  "Rafah"), plural, dual and inflected ones too ("des Philadelphi-Korridors", "معبري رفح"),
  never colliding with another location's alias; names that share a plural type word each
  name their place ("the Netzarim and Philadelphi corridors", «i corridoi Filadelfia e
  Netzarim»);
* **bare names** (kind ``bare``) — a name core without its type word ("Philadelphi", "Kerem
  Shalom", "Rafah"), kept on the evidence its core needs (:data:`_BARE_CORES`): the place
  named in full earlier, a type word beside it ("a quello di Kerem Shalom" after "valico"),
  another crossing coordinated with it ("Kerem Shalom and Al Auja"), or cue words around it;
  never as the town, the kibbutz, the former settlement (a sentence of the settlement years),
  the US city or a named agreement ("the Rafah agreement");
* **references back** — a definite or demonstrative phrase on a kind's type word ("the
  corridor", «ce poste-frontière», "المعبر", "הציר"), with modifiers ("the entire corridor",
  «l'intero corridoio») or a Hebrew clitic ("בציר", "לציר הזה"), or a Turkish type word on its
  own ("koridorun kontrolü"), resolved to the most recent location of that kind named in the
  article; a plural ("the two crossings", "estos corredores", "bu koridorlar") to the last two,
  once each; a type word of two kinds ("die Passage", "este cruce") to the later of them.

Each mention has a confidence: 1.0 for a name, 0.9 / 0.8 / 0.75 for a bare name by its
evidence, 0.8 for a reference back near its antecedent, down to 0.6 at the end of its reach.

Type words, traps, cue words, sentences and speakers are worked out only around the hits (a
few dozen characters folded per hit, one sentence per mention), so the cost stays linear in
the text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from geo.extract.matcher import (
    Hit,
    NeedsFolding,
    PhraseAutomaton,
    is_arabic,
    is_hebrew,
    leftmost_longest,
    word_start,
)
from geo.extract.sentences import SentenceIndex
from geo.extract.speakers import SpeakerFinder
from geo.extract.textnorm import (
    Folded,
    fold,
    fold_phrase,
    fold_same_length,
    strip_accents,
    word_set,
)
from geo.model import Alias, Mention, MentionKind

# -- language rules -----------------------------------------------------------------------


def _tr_cases(word: str) -> tuple[str, ...]:
    """Return a Turkish word ending in a vowel ("koridoru") and its case forms.

    Turkish puts a case ending after an apostrophe on a name ("Koridoru'nda": the name still
    ends at a word boundary) and straight onto the word otherwise ("Refah sınır kapısından"),
    so type words carry these forms: accusative, genitive, dative, locative, ablative, "-ki"
    and instrumental, by vowel harmony. Capital "I" folds to "i", not "ı" ("SINIR KAPISI"), so
    each form with "ı" comes with "i" too.
    """
    last = word[-1]
    wide = "a" if last in "aıou" else "e"
    endings = ("n" + last, "n" + last + "n", "n" + wide, "nd" + wide, "nd" + wide + "n")
    forms = (word, *(word + ending for ending in (*endings, "nd" + wide + "ki", "yl" + wide)))
    return forms + tuple(form.replace("ı", "i") for form in forms if "ı" in form)


# Type words (folded) per kind and script; the first group is Latin-script languages.
TYPE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "corridor": {
        "latin": (
            "corridor",
            "axis",
            "route",
            "couloir",
            "axe",
            "corridoio",
            "asse",
            "korridor",
            "achse",
            "corredor",
            "eje",
            "koridor",
            *_tr_cases("koridoru"),
        ),
        "arabic": ("محور", "ممر"),
        "hebrew": ("ציר", "מסדרון", "פרוזדור"),
    },
    "crossing": {
        "latin": (
            "crossing",
            "border crossing",
            "crossing point",
            "border crossing point",
            "terminal",
            "border terminal",
            "land crossing",
            "gate",
            "border gate",
            "poste frontière",
            "poste",
            "point de passage",
            "passage",
            "porte",
            "terminal frontalier",
            "valico",
            "valico di frontiera",
            "valico di confine",
            "varco",
            "grenzübergang",
            "warengrenzübergang",
            "übergang",
            "grenzposten",
            "paso",
            "paso fronterizo",
            "cruce",
            "cruce fronterizo",
            "puesto",
            "puesto fronterizo",
            *_tr_cases("sınır kapısı"),
            *_tr_cases("kapısı"),
            *_tr_cases("sınır geçişi"),
            *_tr_cases("geçişi"),
        ),
        "arabic": ("معبر", "منفذ"),
        "hebrew": ("מעבר", "מסוף", "מעבר הגבול"),
    },
    "junction": {
        "latin": (
            "junction",
            "crossroads",
            "intersection",
            "carrefour",
            "jonction",
            "incrocio",
            "svincolo",
            "bivio",
            "kreuzung",
            "cruce",
            "kavşak",
            *_tr_cases("kavşağı"),
        ),
        "arabic": ("مفترق", "تقاطع"),
        "hebrew": ("צומת",),
    },
}
# Words between a type word and a name that follows it ("poste de Rafah", "valico di Rafah").
_CONNECTORS = ("", "de ", "d'", "di ", "del ", "von ", "of ")

# Determiners that make a type word a reference back, per script (folded, with a space after
# unless they end in an apostrophe).
_LATIN_DETERMINERS = (
    "the",
    "this",
    "that",
    "le",
    "la",
    "l'",
    "ce",
    "cet",
    "cette",
    "du",
    "au",
    "il",
    "lo",
    "questo",
    "quest'",
    "quel",
    "dal",
    "nel",
    "al",
    "sul",
    "del",
    "der",
    "die",
    "den",
    "dem",
    "des",
    "dieser",
    "diesen",
    "diesem",
    "dieses",
    "im",
    "vom",
    "zum",
    "am",
    "el",
    "este",
    "ese",
    "dicho",
    # Turkish has no articles: only a demonstrative refers back ("bu koridor", "söz konusu
    # sınır kapısından"), never a bare "koridor".
    "bu",
    "söz konusu",
)
# Type words too loose to refer back to a place on their own ("the gate", "the passage"),
# and the inflected forms a reference back may take ("des Korridors").
_NOT_REFERENCES = frozenset(
    {
        "border crossing point",
        "border terminal",
        "land crossing",
        "gate",
        "border gate",
        "poste",
        "passage",
        "porte",
        "valico di frontiera",
        "valico di confine",
        "varco",
        "grenzposten",
        "jonction",
        "svincolo",
        "bivio",
        "מעבר הגבול",
        # Spanish "el cruce" is a crossing or a junction, "el puesto" any post.
        "cruce",
        "puesto",
        # Turkish: the forms that need a name before them ("Koridoru'nda", "Kapısı"), and
        # "geçiş" (also "transition").
        *_tr_cases("koridoru")[1:],
        *_tr_cases("kapısı"),
        *_tr_cases("geçişi"),
        *_tr_cases("kavşağı")[1:],
    }
)
_INFLECTED = {
    "korridor": ("korridors",),
    "grenzübergang": ("grenzübergangs",),
    "koridor": ("koridorda", "koridordan", "koridora", "koridorun", "koridordaki"),
    "kavşak": ("kavşakta", "kavşaktan", "kavşağa", "kavşağın", "kavşaktaki"),
}


def _reference_nouns(words: tuple[str, ...]) -> tuple[str, ...]:
    """Return the type words that make references back, each followed by its inflections."""
    return tuple(
        form
        for word in words
        if word not in _NOT_REFERENCES
        for form in (word, *_INFLECTED.get(word, ()))
    )


# The nouns of references back, per kind and script.
_ANAPHOR_NOUNS: dict[str, dict[str, tuple[str, ...]]] = {
    kind: {script: _reference_nouns(words) for script, words in scripts.items()}
    for kind, scripts in TYPE_WORDS.items()
}
# German determiners: German capitalises nouns, so a capitalised next word is no name there;
# nor in Turkish, where a name comes before its type word ("bu koridoru İsrail tutuyor").
_GERMAN_DETERMINERS = word_set(
    "der die den dem des dieser diesen diesem dieses diese beide im vom zum am"
) | {"bu", "söz konusu", "die beiden", "diese beiden", "den beiden", "tr"}
# After a reference back, these words make it a description of something else
# ("the corridor of X", «le couloir de Y»).
_NAME_FOLLOWS = re.compile(r"\s*(?:of|de|d'|du|des|di|del|della|dei|von)\b|\s*\d")
# Arabic copula before a definite noun: a predicate ("X هو المحور الفاصل"), not a reference.
_APPOSITION = re.compile(r"\s*[,،]\s*")
_ARABIC_COPULA = re.compile(r"(?:^|\s)(?:و|ف)?(?:هو|هي)\s*$")
# A reference back reaches this far (characters) past the last mention of its location.
ANAPHOR_WINDOW = 2000

# Context that makes a name something other than the contested place: a kibbutz, a town,
# a former settlement, a highway ("Salah al-Din Road").
_TRAP_BEFORE_LATIN = (
    "kibbutz",
    "moshav",
    "settlement",
    "colonie",
    "kibboutz",
    "insediamento",
    "siedlung",
    "kibutz",
    "asentamiento",
)
# Folded as the text around a name is (ة is read as ه there).
_TRAP_BEFORE_RTL = tuple(
    fold_same_length(word) for word in ("مستوطنة", "كيبوتس", "קיבוץ", "מושב", "יישוב", "התנחלות")
)
_TRAP_BEFORE = re.compile(
    rf"(?:\b(?:{'|'.join(_TRAP_BEFORE_LATIN)})|(?:{'|'.join(_TRAP_BEFORE_RTL)}))\s*$"
)
_TRAP_BEFORE_WORDS = _TRAP_BEFORE_LATIN + _TRAP_BEFORE_RTL
_TRAP_AFTER = re.compile(
    r"^\s*(?:road|street|highway|settlement|kibbutz|strasse|straße|rue|\(pennsylvania"
    r"|pennsylvania|pa\b|שכונת|kibutz|yerleşim|partisi)|^\s*,\s*(?:pennsylvania|pa\b)"
)

# What the text after a name, without leading white space, starts with for _TRAP_AFTER.
_TRAP_AFTER_STARTS = (
    "road",
    "street",
    "highway",
    "settlement",
    "kibbutz",
    "strasse",
    "straße",
    "rue",
    "(pennsylvania",
    "pennsylvania",
    "pa",
    "שכונת",
    "kibutz",
    "yerleşim",
    "partisi",
    ",",
)

# Bare crossing names: marked as a town before or after, or a crossing sentence.
_TOWN_BEFORE = re.compile(
    r"(?:\b(?:city|town|governorate|province|district|area|camp|village|neighbou?rhood|"
    r"outskirts|eastern|western|northern|southern|central|east|west|north|south|downtown|"
    r"ville|città|cittadina|stadt|gebiet|region|région|regione|kibbutz|moshav|near|"
    r"ciudad|localidad|kibutz)\s+(?:\w+\s+)?"
    r"|\b(?:di|de|of)\s+"  # right before it: «refuse de rouvrir Rafah» is the crossing
    r"|(?:مدينه|محافظه|بلده|مخيم|منطقه|شرق|غرب|شمال|جنوب)\s*"
    r"|(?:עיר|העיר|קיבוץ|אזור|מחנה|ביישוב)\s*)$"
)
_TOWN_AFTER = re.compile(
    r"^(?:'s\b|\s+(?:city|town|governorate|province|district|area|camp|residents|refugee|"
    r"offensive|operation)\b|[^\S\n]*(?:سيناء|فلسطين|المصريه|الفلسطينيه|الجديده"
    r"|الامريكيه|بولايه|بنسلفانيا)"
    r"|\s*(?:המצרית|הפלסטינית)"
    # "Refah'ın" (but "Refah'ın dün açılması" is the crossing's opening), "Refah kenti"
    r"|'n?[ıi]n\b(?!\s+(?:\w+\s+)?(?:açıl|kapat|kapan))|'[dt][ae](?:ki)?\b"  # "Refah'ta"
    r"|\s+(?:kent|şehr|ilçe|vilayet|bölge|mülteci)\w*)"
)
_CROSSING_CUES = re.compile(
    r"\b(?:re)?open(?:s|ed|ing)?\b(?!\s+fire\b)|\b(?:re)?clos(?:e|es|ed|ing|ure)\b"
    r"(?!\s+(?:in|off)\b)|\bshut(?:s|ting|tered|down)?\b"
    r"|\bpassage\b|\bcross(?:es|ed|ing)?\s+(?:through|into|via)\b|\btravell?ers\b"
    r"|\bborder\s+(?:point|post)\b|\bcrossing\s+point\b|\bevacuees?\b"
    r"|\b(?:r[ée])?ouver(?:t|te|ts|tes|ture)\b|\bferm(?:é|ée|és|ées|eture)\b|\bvoyageurs\b"
    r"|\b(?:r[ée]?)?ouvr(?:ir|ira|iront|e|ent)\b|\bferm(?:er|era|eront|ent)\b"
    r"|\b(?:ri)?apert[oai]\b|\b(?:ri)?apertura\b|\bchius[oai]\b|\bchiusura\b|\bpassaggio\b"
    r"|\bgeöffnet\b|\böffnung\b|\bgeschlossen\b|\bschließung\b|\bwiedereröffnung\b"
    r"|فتح|افتتاح|اغلاق|اغلق|مغلق|(?<!م)عبور|المسافرين|المعابر"
    r"|נפתח|פתיחת|נסגר|סגירת|מעברי"
    r"|\baçıl\w*|\bkapat\w*|\bkapal[ıi]\b|\bkapan\w*|\bgeç(?:iş|ti|en|erek)\w*|\byolcu\w*"
    r"|\btahliye\w*|\b(?:re)?abr(?:e|en|ió|ieron|ir|irá|irán|ía)\b|\babiert[oa]s?\b"
    r"|\bcierr[ae]n?\b|\bcerr(?:ado|ada|ados|adas|ó|aron|ar|ará)\b|\bviajeros\b"
    r"|\bevacuad[oa]s\b|\bcruz(?:ar|aron|ó|an)\b"
    # aid trucks queue at a crossing; goods go through it in transit
    r"|\btrucks?\b|\bcamion(?:s|es)?\b|\blkw\b|\blastwagen\b|\btır(?:lar)?\w*|\btransit\w*"
    r"|شاحنات|غلق|משאיות"
)
# "From Rafah" is as often the town ("a rocket fired from Rafah"), so only these say crossing.
_VIA_BEFORE = re.compile(r"(?:\b(?:through|via|par|attraverso|über)\s+|(?:عبر)\s+|(?:דרך)\s+)$")

# -- bare names, shared heads, references back with a modifier ----------------------------

# When a name core without its type word stands for its place (a "bare" mention):
# "name"  always, unless trapped: a name only this place bears ("Philadelphi");
# "place" on evidence: named in full earlier in the article, a type word beside it, or cue
#         words around it (Kerem Shalom is also a kibbutz, فيلادلفيا also the US city);
# "cue"   on a type word beside it or cue words only;
# "town"  likewise, and never right after "in", "from", "on" (Rafah is also a city);
# "former" as "place", but never in a sentence about the years of the settlements ("in 2005",
#         "the settlers"): Netzarim was a settlement until 2005, the corridor came in 2023;
# "earlier" named in full earlier and cue words around it, or a type word beside it:
#         "Philadelphia" is the US city, even in an article on the corridor;
# ""      never bare: "Rafa" is a first name ("Rafa Nadal"), "Salah al-Din" the road.
# Crossings default to "town"; other kinds have no bare names but those listed, and those
# coordinated with a bare name of their kind ("Philadelphi and Netzarim").
_BARE_CORES = {
    "philadelphi": "name",
    "פילדלפי": "name",
    "فيلادلفي": "name",
    "فيلادلفيا": "place",
    **dict.fromkeys(("philadelphia", "philadelphie", "filadelfia", "פילדלפיה"), "earlier"),
    **dict.fromkeys(("rafa", "rafá"), ""),
}
_BARE_LOCATIONS = {"kerem-shalom-crossing": "place", "netzarim-corridor": "former"}
_BARE_KINDS = {"crossing": "town"}

# Plural, dual and inflected type words: a name takes them ("the Rafah and Kerem Shalom
# crossings", «i corridoi Filadelfia e Netzarim», "معبري رفح", "des Philadelphi-Korridors"),
# a reference back does not.
_TYPE_WORD_FORMS: dict[str, tuple[str, ...]] = {
    "corridor": (
        *("corridors", "axes", "routes", "couloirs", "corridoi", "assi", "korridors"),
        *("korridore", "korridoren", "achsen", "corredores", "ejes"),
        *_tr_cases("koridorları"),
        *("koridorda", "koridordan", "koridora", "koridorun", "koridordaki"),
        *("محوري", "محورا", "محاور", "ممري", "ممرا", "ممرات", "צירי", "צירים", "מסדרונות"),
    ),
    "crossing": (
        *("crossings", "border crossings", "crossing points", "terminals", "gates", "portes"),
        *("postes frontière", "postes frontières", "points de passage", "passages"),
        *("terminaux", "valichi", "valichi di frontiera", "varchi", "grenzübergänge"),
        *("grenzübergängen", "grenzübergangs", "übergänge", "übergängen", "übergangs"),
        *("pasos", "pasos fronterizos", "cruces"),
        *_tr_cases("sınır kapıları"),
        *_tr_cases("kapıları"),
        *("معبري", "معبرا", "معابر", "منفذي", "منفذا", "منافذ", "מעברי", "מעברים", "מסופי"),
    ),
    "junction": (
        *("junctions", "intersections", "carrefours", "incroci", "kreuzungen"),
        *("مفترقي", "مفترقات", "تقاطعات", "צמתי", "צמתים"),
    ),
}
# Of those, the ones shared by several names: a plural or a dual.
_PLURAL_TYPE_WORDS = frozenset(form for forms in _TYPE_WORD_FORMS.values() for form in forms) - {
    "korridors",
    "grenzübergangs",
    "übergangs",
}
# Adjectives between a type word and the name after it («passage terrestre de Rafah»).
_TYPE_ADJECTIVES = (
    *("terrestre", "frontalier", "frontaliere", "frontalière", "international"),
    *("internationale", "internazionale", "principal", "principale", "fronterizo"),
)
# Between two names that share a plural type word: "and", a comma, Arabic و, Hebrew ו.
_SHARED_HEAD_GAP = re.compile(
    r"\s*(?:,\s*(?:(?:and|or|et|ou|e|o|ed|und|oder|y|ve)\s+)?|(?:and|or|et|ou|e|o|ed|und|oder|y|ve)\s+)"
    r"(?:(?:de|di|del|von|of|el|al|il|the)\s+|d')?|\s*,?\s*[وו]"
)
# A last conjunct that is none of the five (a name: capitalised), then a plural type word the
# names before it share ("Rafah and Erez crossings", "Refah, Kerem Ebu Salim ve El-Avja Sınır
# Kapıları"; not "Rafah and seized the crossings").
_OTHER_CONJUNCT = re.compile(
    r",? (?:and|or|et|ou|e|o|ed|und|oder|y|ve)(?P<one> [^\s,.;:]+)(?P<two> [^\s,.;:]+)?"
)


def _plural_past_conjunct(after: str, words: _TypeWords) -> int:
    """Return where the other conjunct starts in ``after`` (the folded text after a name) when
    ``after`` is another conjunct and a plural type word of the name's kind, else -1."""
    if not after.startswith((",", " ")):
        return -1
    match = _OTHER_CONJUNCT.match(after)
    if match is None:
        return -1
    for group in ("one", "two"):
        if match.group(group) is not None:
            following = words.after.match(after, match.end(group))
            if following is not None and following.group("type") in words.plurals:
                return match.start("one") + 1
    return -1


# Around a bare name (a few dozen characters, in its sentence): words of its kind's news.
_CUE_REACH = 80
_CORRIDOR_CUES = re.compile(
    r"\bwithdr[ae]w\w*|\bpull(?:s|ed|ing)?\s+out\b|\bleav(?:e|es|ing)\b|\bstay\w*|\bremain\w*"
    r"|\btroops\b|\bpresence\b|\bcontrol\w*|\btunnels?\b|\bdeploy\w*"
    r"|\bretrait\b|\bretir\w*|\bquitt\w*|\bcontr[ôo]le\w*|\btroupes\b"
    r"|\britir\w*|\blasci\w*|\brest(?:are|a|ano|erà|eranno)\b|\bcontroll\w*|\btruppe\b"
    r"|\brückzug\w*|\babzieh\w*|\bräum\w*|\bverlass\w*|\bbleib\w*|\bkontroll\w*|\btruppen\b"
    r"|انسحاب|بقاء|سيطر|القوات|انفاق|وجود|تواجد|الاحتلال"
    r"|נסיג|לסגת|להישאר|שליטה|כוחות|מנהרות|נוכחות|לצאת|תצא"
    # a corridor's type word nearby (a crossing's is no evidence: "Rafah" near "the crossing")
    r"|\b(?:corridors?|axis|couloirs?|corridoi[o]?|korridors?|korridore|corredor(?:es)?)\b"
    r"|\bkoridor\w*"
    r"|محور|ممر|ציר|מסדרון"
)
# Right before a bare name of a town: it is the town ("in Rafah", "fired from Rafah").
_IN_TOWN_BEFORE = re.compile(
    r"(?:\b(?:in|into|inside|from|across|around|outside|on|onto|toward|towards|against|over"
    r"|dans|sur|vers|su|verso|nach|aus|auf|gegen|desde|hacia)\s+|(?:^|\s)(?:في|داخل|من|على)\s*)$"
)
# ... unless the crossing's opening or closure is what is spoken of ("the reopening of Rafah").
_OPENING_OF = re.compile(
    r"\b(?:(?:re)?opening|closure|closing|shutdown|r[ée]?ouverture|ouverture|fermeture"
    r"|(?:ri)?apertura|chiusura|schließung|(?:wieder)?öffnung|reapertura|cierre)\s+"
    r"(?:of|de|du|di|del|della|der|des|von)\s+$"
)
# A named agreement is no place ("the Rafah agreement", «l'accord de Philadelphi», "הסכם רפיח").
_AGREEMENT_AFTER = re.compile(
    r"^\s*(?:agreements?|accords?|deal|protocol|abkommens?|vereinbarung|accordo|acuerdo)\b"
)
_AGREEMENT_BEFORE = re.compile(
    r"(?:\b(?:accord|accordo|acuerdo|abkommen|agreement|protocole|protocollo)\s+"
    r"(?:(?:de|di|del|von|on|sur|su|sobre|of)\s+)?(?:l'|(?:la|le|il|the)\s+)?"
    r"|(?:اتفاق|اتفاقيه|بروتوكول)\s+|(?:הסכם|הסכמי)\s+)$"
)
# A bare name of a former settlement in a sentence about the settlement years (its reach).
_ERA_REACH = 200
_SETTLEMENT_YEARS = re.compile(
    r"\b(?:19[6-9]\d|200[0-5])\b|\bsettle(?:r|rs|ment|ments)\b|\bcolon(?:s|ie|ies|i)\b"
    r"|\binsediament\w*|\bsiedl(?:er|ung)\w*|\bcolonos\b|\basentamient\w*|\byerleşim\w*"
    r"|\bdisengagement\b|\bd[ée]sengagement\b|\bdisimpegno\b|\bgush katif\b"
    r"|مستوطن|فك الارتباط|غوش قطيف|התנחל|מתנחל|התנתקות|גוש קטיף"
)
# "That of" before a name, its type word said just before («dal valico di Rafah a quello di
# Kerem Shalom», "del paso de Rafah al de Kerem Shalom", «celui de Kerem Shalom»).
_PRONOUN_OF = re.compile(
    r"(?:\b(?:quello|quella|quelli|quelle|celui|celle|ceux|celles|that|those|el|la|los|las)"
    r"\s+(?:di|de|of|del)|\b(?:al|del)\s+de)\s+$"
)
# Crossings that are none of the five, coordinated with a bare name: it is a crossing too
# ("Kerem Shalom and Al Auja", "Erez y Rafah", "כרם שלום וניצנה").
_OTHER_CROSSINGS_LATIN = "auja|awja|avja|nitzana|nitsana|nizzana|erez|karni|zikim|kissufim|allenby"
_OTHER_CROSSINGS_RTL = "عوجه|ايرز|كارني|زيكيم|ארז|ניצנה|כיסופים|זיקים"
_AND = r"(?:and|or|et|ou|e|o|ed|und|oder|y|ve)"
_CONJUNCTION = rf"(?:,\s*(?:{_AND}\s+)?|{_AND}\s+)"
_OTHER_CROSSING_AFTER = re.compile(
    rf"^\s*{_CONJUNCTION}(?:the\s+)?(?:(?:al|el)[\s-]*)?(?:{_OTHER_CROSSINGS_LATIN})\b"
    rf"|^\s*,?\s*[وו](?:ال)?(?:{_OTHER_CROSSINGS_RTL})"
)
_OTHER_CROSSING_BEFORE = re.compile(
    rf"(?:\b(?:{_OTHER_CROSSINGS_LATIN})\s*{_CONJUNCTION}(?:(?:de|di|of)\s+)?"
    rf"|(?:{_OTHER_CROSSINGS_RTL})\s*,?\s*[وו]?)$"
)

# Words between a determiner and the type word of a reference back ("the entire corridor",
# «l'intero corridoio», "den gesamten Korridor"), per language: the modifiers, and the type
# words (of any kind) they go with. Any other word makes it some other place ("the Erez
# crossing", "a humanitarian corridor"); "the main route" or "the terminal" is too vague.
_LENGTH_WORDS = ("km", "kilometre", "kilometres", "kilometer", "kilometers", "long")
_MODIFIED_REFERENCES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        (
            *("entire", "whole", "same", "border", "narrow", "strategic", "key", "main"),
            *("vital", "sensitive", "contested", "disputed", "frontier", "so called"),
            *("crucial", "full", "mile", "miles", *_LENGTH_WORDS),
        ),
        ("corridor", "axis", "crossing", "border crossing", "junction", "intersection"),
    ),
    "fr": (("même", "fameux", *_LENGTH_WORDS), ("couloir", "corridor", "axe", "carrefour")),
    "it": (
        ("intero", "stesso", "cosiddetto", "famoso", "lungo", "km", "chilometri"),
        ("corridoio", "asse", "valico", "incrocio"),
    ),
    "de": (
        (
            *("gesamte", "gesamten", "ganze", "ganzen", "sogenannte", "sogenannten"),
            *("umstrittene", "umstrittenen", "schmale", "schmalen", "wichtige", "wichtigen"),
            *("strategisch wichtige", "strategisch wichtigen", "km", "kilometer", "lange"),
            "langen",
        ),
        (
            *("korridor", "korridors", "achse", "grenzübergang", "grenzübergangs"),
            *("übergang", "kreuzung"),
        ),
    ),
    "es": (("mismo", "misma", "entero", "km"), ("corredor", "eje", "paso", "cruce")),
}
# A Hebrew type word after ב, ל or כ (the article inside: "בציר", "לציר הזה") refers back when
# the next word is no name: punctuation, a word after ה ב ל ו ש, a function word, a verb in -ו
# ("במעבר ארז", "בציר מוראג", "במעבר כיסופים" name other places).
_HEBREW_NEXT = re.compile(
    r"\s*(?:$|[^\w\s]|[הבלוש]|(?:על|עם|אל|עד|את|כי|אך|גם|רק|כבר|לא|מאז|אחרי|לפני|מול|ליד|עוד"
    r"|אתמול|מחר|עצמו|כולו)(?!\w)|\w{2,}ו(?!\w))"
)
# After a Hebrew type word: "המעבר לשלב השני" is the transition to phase two, "מעבר לכך" beyond it.
_HEBREW_NOT_PLACE = re.compile(r"\s*ל(?:שלב|כך|זה|זאת|מצב|תקופ|פאז|עידן)")
_HEBREW_DEMONSTRATIVE = re.compile(r" (?:הזה|הזאת|הזו|ההוא|ההיא)(?!\w)")
# Hebrew copula before a definite noun: a predicate ("זהו המעבר היחיד"), not a reference.
_HEBREW_COPULA = re.compile(r"(?:^|\s)(?:זהו|זוהי|זה|זו|הוא|היא)\s*$")

# Plural references back, to the last two places of a kind named ("the two crossings",
# "estos corredores", "bu koridorların", "المعبرين"): determiners, then nouns per kind.
_TURKISH_PLURALS = {
    "corridor": (
        *_tr_cases("koridorları")[1:],
        *("koridorlar", "koridorları", "koridorların", "koridorlara", "koridorlarda"),
        *("koridorlardan", "koridorlardaki"),
    ),
    "crossing": _tr_cases("sınır kapıları"),
}
# Per language: the determiners, and the plural nouns of each kind.
_PLURAL_REFERENCES: tuple[tuple[tuple[str, ...], dict[str, tuple[str, ...]]], ...] = (
    (
        ("the two", "these", "these two", "those two", "both", "both the"),
        {"corridor": ("corridors",), "crossing": ("crossings", "border crossings")},
    ),
    (
        ("les deux", "ces deux", "ces"),
        {"corridor": ("couloirs", "corridors"), "crossing": ("points de passage",)},
    ),
    (
        ("i due", "questi", "questi due", "entrambi i"),
        {"corridor": ("corridoi",), "crossing": ("valichi",)},
    ),
    (
        ("die beiden", "diese beiden", "diese", "beide", "den beiden", "diesen"),
        {
            "corridor": ("korridore", "korridoren"),
            "crossing": ("grenzübergänge", "grenzübergängen", "übergänge", "übergängen"),
        },
    ),
    (
        ("los dos", "estos", "estos dos", "ambos"),
        {"corridor": ("corredores",), "crossing": ("pasos", "pasos fronterizos")},
    ),
    (("bu",), _TURKISH_PLURALS),
)
_PLURAL_ARABIC = {"corridor": ("محورين", "ممرين"), "crossing": ("معبرين", "منفذين")}
_PLURAL_HEBREW = {"corridor": ("הצירים", "המסדרונות"), "crossing": ("המעברים",)}
# Type words that refer back to a place of either kind: German «die Passage» (a corridor or a
# crossing), Spanish "este cruce" (a crossing or a junction).
_EITHER_KIND_REFERENCES = {
    ("corridor", "crossing"): (
        *(("die passage", "die"), ("der passage", "der"), ("diese passage", "diese")),
    ),
    ("crossing", "junction"): (
        # only a demonstrative: "el cruce" is as often a road junction or the act of crossing
        *(("este cruce", "este"), ("ese cruce", "ese"), ("dicho cruce", "dicho")),
    ),
}
# Turkish type words that refer back on their own (Turkish has no article: "koridorun
# kontrolü", "sınır kapısından geçerek"), plural ones to two places; unless the word before is
# a name, a number, or a modifier that makes it some other one ("insani koridor", "bir koridor").
_TURKISH_NOUNS = {
    "corridor": (
        *(("koridor", False), *((form, False) for form in _INFLECTED["koridor"])),
        *((form, True) for form in _TURKISH_PLURALS["corridor"]),
    ),
    "crossing": (
        *((form, False) for form in _tr_cases("sınır kapısı")),
        *((form, True) for form in _TURKISH_PLURALS["crossing"]),
    ),
}
_TURKISH_MODIFIERS = word_set(
    "bir insani güvenli yeni başka diğer her hiçbir tüm bütün bazı birçok iki üç dört ticari "
    "ekonomik deniz hava kara yardım ulaşım enerji ilk ikinci üçüncü ayrı kuzey güney doğu batı "
    "kuzeydeki güneydeki doğudaki batıdaki"
)

# Confidence: a full name 1.0; a bare name by its evidence; a reference back by its distance.
CONFIDENCE_NAMED_BEFORE = 0.9
CONFIDENCE_TYPE_WORD_BESIDE = 0.8
CONFIDENCE_CUES = 0.75
CONFIDENCE_ANAPHOR_NEAR = 0.8
CONFIDENCE_ANAPHOR_FAR = 0.6
ANAPHOR_NEAR = 400  # characters from the antecedent within which a reference back is "near"


def _modified_reference() -> re.Pattern[str]:
    """Return the regex for a determiner (and more modifiers) that end right before a
    modifier and its type word ("the" + "entire corridor", "the 14 kilometre" + "long corridor").
    """
    spaced = "|".join(re.escape(d) for d in _LATIN_DETERMINERS if not d.endswith("'"))
    elided = "|".join(re.escape(d) for d in _LATIN_DETERMINERS if d.endswith("'"))
    words = {word for modifiers, _ in _MODIFIED_REFERENCES.values() for word in modifiers}
    modifiers = "|".join(re.escape(m) for m in sorted(words, key=len, reverse=True))
    return re.compile(
        rf"(?<!\w)(?:(?P<det>{spaced}) |(?P<elided>{elided}) ?)"
        rf"(?:(?:{modifiers}|\d+(?:[.,]\d+)?) ){{0,2}}$"
    )


_MODIFIED_REFERENCE = _modified_reference()
_CUES = {"crossing": _CROSSING_CUES, "corridor": _CORRIDOR_CUES}


class GazetteerLike(Protocol):
    """What the extractor needs from a gazetteer: aliases and the kind of each location."""

    @property
    def aliases(self) -> tuple[Alias, ...]: ...

    def kind_of(self, location_id: str) -> str: ...


Role = Literal["name", "core", "anaphor", "noun"]


@dataclass(frozen=True, slots=True)
class Pattern:
    """What a phrase in the automaton stands for: a location (name, core) or a kind (anaphor).

    A ``core`` is a name without its type word; ``bare`` says when it may stand alone (see
    :data:`_BARE_CORES`). A ``noun`` is a modifier and a type word ("entire corridor"), a
    reference back with a determiner before it, a Hebrew type word, one after a clitic
    ("בציר"), or a Turkish one (determiner ``"tr"``), one on its own ("koridorun kontrolü").
    An anaphor's ``target`` is a kind, or kinds joined by "|" for a type word of either
    ("die Passage", "este cruce"); ``many`` marks a plural that refers back to the last two
    places of its kind ("the two crossings", "estos corredores", "bu koridorlar").
    """

    role: Role
    target: str
    determiner: str = ""
    bare: str = ""
    many: bool = False


def _script(phrase: str) -> str:
    """Return ``"arabic"``, ``"hebrew"`` or ``"latin"`` from the phrase's letters."""
    for char in phrase:
        if is_arabic(char):
            return "arabic"
        if is_hebrew(char):
            return "hebrew"
    return "latin"


def _core(name: str, kind: str) -> str | None:
    """Return the name without its kind's type word ("rafah crossing" gives "rafah")."""
    words = TYPE_WORDS.get(kind, {}).get(_script(name), ())
    for word in sorted(words, key=len, reverse=True):
        if name.endswith(" " + word):
            core = name[: -len(word) - 1].strip()
        elif name.startswith(word + " "):
            core = name[len(word) + 1 :].strip()
            for connector in _CONNECTORS:
                if connector and core.startswith(connector):
                    core = core[len(connector) :].strip()
        else:
            continue
        if any(char.isalpha() for char in core) and len(core) >= 3:
            return core
    return None


# Turkish phrases between a name and its type word that name it ("Netzarim ismini verdiği
# koridor", "Netzarim adı verilen koridor"), and the words they start with.
_NAMING = (
    r"(?:ismini|adını) verdiği",
    r"(?:ismi|adı) verilen",
    r"(?:olarak|diye|adıyla|ismiyle) (?:bilinen|anılan|adlandırılan)",
)
_NAMING_STARTS = ("ismini ", "adını ", "ismi ", "adı ", "olarak ", "diye ", "adıyla ", "ismiyle ")
# Words between a type word and a name after it, in the "before" regex ("poste de Rafah").
_TYPE_CONNECTORS = (" de", " di", " del", " von", " of")


@dataclass(frozen=True, slots=True)
class _TypeWords:
    """A kind's type words as regexes for folded text, with the endings they need.

    ``after`` matches a type word right after a name core; ``before`` one right before it,
    with an adjective and a connector ("poste de", «passage terrestre de», "crossing of"), its
    start in group ``type`` (or ``elided``). Both take plural and inflected forms too
    (``plurals`` says which are shared by several names). ``beside`` finds a type word in
    apposition after a bare name ("Kerem Shalom, the main crossing"), ``at`` one before it with
    a preposition ("the crossing at Rafah"), ``anywhere`` one anywhere. ``after`` also takes
    a Turkish naming phrase before the type word ("Netzarim ismini verdiği koridor", the
    corridor it named Netzarim). The checks :meth:`may_follow` and :meth:`may_precede` spare
    most regex searches.
    """

    after: re.Pattern[str]
    before: re.Pattern[str]
    words: tuple[str, ...]
    starts: dict[str, tuple[str, ...]]  # what ``after`` may start with, by first character
    ends: dict[str, tuple[str, ...]]  # what ``before`` may end with (before a space), by last
    plurals: frozenset[str]
    beside: re.Pattern[str]
    at: re.Pattern[str]
    anywhere: re.Pattern[str]

    def may_follow(self, text: str) -> bool:
        """Return False when ``after`` cannot match ``text`` (a space and a type word)."""
        if len(text) < 2 or text[0] != " ":
            return False
        return text.startswith(self.starts.get(text[1], ()), 1)

    def may_precede(self, text: str) -> bool:
        """Return False when ``before`` cannot match ``text`` (a type word, then the end)."""
        end = len(text) - 1 if text.endswith("\n") else len(text)  # ``$`` matches before it
        if end >= 2 and text[end - 1] == " ":
            return text.endswith(self.ends.get(text[end - 2], ()), 0, end - 1)
        return text.endswith(" d'", 0, end)


def _by_character(phrases: Iterable[str], index: int) -> dict[str, tuple[str, ...]]:
    """Group non-empty ``phrases`` by their character at ``index`` (0: first, -1: last)."""
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        if phrase:
            groups.setdefault(phrase[index], []).append(phrase)
    return {char: tuple(group) for char, group in groups.items()}


def _type_words(kind: str) -> _TypeWords:
    """Return the type-word matchers of ``kind`` (none match for a kind without type words)."""
    words = sorted(
        {w for script in TYPE_WORDS.get(kind, {}).values() for w in script}
        | set(_TYPE_WORD_FORMS.get(kind, ())),
        key=len,
        reverse=True,
    )
    alternatives = "|".join(re.escape(w) for w in words) or "(?!)"
    connectors = "|".join(c.strip() for c in _TYPE_CONNECTORS)
    adjectives = "|".join(re.escape(a) for a in _TYPE_ADJECTIVES)
    return _TypeWords(
        after=re.compile(rf" (?:(?:{'|'.join(_NAMING)}) )?(?P<type>{alternatives})(?!\w)"),
        before=re.compile(
            rf"(?<!\w)(?:[وفبلك]{{0,2}}|[בהולמשכ]{{0,2}})(?P<type>{alternatives})"
            rf"(?: (?:{adjectives}))?(?: (?:{connectors}))? $"
            rf"|(?<!\w)(?P<elided>{alternatives})(?: (?:{adjectives}))? d'$"
        ),
        words=tuple(words),
        starts=_by_character((*words, *_NAMING_STARTS), 0),
        ends=_by_character((*words, *_TYPE_CONNECTORS, *_TYPE_ADJECTIVES), -1),
        plurals=frozenset(words) & _PLURAL_TYPE_WORDS,
        beside=re.compile(
            r"^\s*[,،]\s*(?:(?:(?:the|a|an|its|le|la|il|lo|un|une|uno|una|der|die|das|ein|eine"
            rf"|el)\s+|l' ?)(?:[^\s,.;:،]+ ){{0,2}}?|ال|ה)(?:{alternatives})(?!\w)"
        ),
        at=re.compile(rf"(?<!\w)(?:ال|لل|ה)?(?:{alternatives}) (?:(?:at|in|à|a|bei|an|en|في) |ב)$"),
        anywhere=re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"),
    )


def _noun_phrases(kind: str) -> list[str]:
    """Return a kind's type words that refer back after a modifier ("entire corridor", to find
    with a determiner before it) or a Hebrew clitic ("ציר", to find after ב, ל or כ)."""
    nouns = _ANAPHOR_NOUNS.get(kind, {})
    latin = [
        f"{modifier} {noun}"
        for modifiers, modified in _MODIFIED_REFERENCES.values()
        for noun in modified
        if noun in nouns.get("latin", ())
        for modifier in modifiers
    ]
    return latin + list(nouns.get("hebrew", ()))


def _anaphor_phrases(kind: str) -> list[tuple[str, str]]:
    """Return ``(phrase, determiner)`` for every reference-back phrase of a kind."""
    nouns = _ANAPHOR_NOUNS.get(kind, {})
    phrases: list[tuple[str, str]] = []
    for noun in nouns.get("latin", ()):
        for det in _LATIN_DETERMINERS:
            phrases.append((f"{det}{noun}" if det.endswith("'") else f"{det} {noun}", det))
    for noun in nouns.get("arabic", ()):
        for det in ("ال", "هذا ال", "هذه ال", "ذلك ال", "تلك ال"):
            phrases.append((det + noun, det))
        phrases.append(("لل" + noun, "لل"))
    for noun in nouns.get("hebrew", ()):
        phrases.append(("ה" + noun, "ה"))
    return phrases


def _plural_phrases(kind: str) -> list[tuple[str, str]]:
    """Return ``(phrase, determiner)`` for the plural references back of a kind."""
    phrases = [
        (f"{det} {noun}", det)
        for determiners, nouns in _PLURAL_REFERENCES
        for noun in nouns.get(kind, ())
        for det in determiners
    ]
    for noun in _PLURAL_ARABIC.get(kind, ()):
        phrases += [("ال" + noun, "ال"), ("هذين ال" + noun, "هذين ال")]
    for noun in _PLURAL_HEBREW.get(kind, ()):
        phrases.append(("שני " + noun, "שני"))
    return phrases


class Extractor:
    """Finds contested-location mentions in text; build once, call :meth:`extract` often.

    Parameters
    ----------
    aliases
        The names of the contested locations (``geo.model.Alias``).
    kinds
        The kind (corridor, crossing, junction, ...) of every location named in ``aliases``.
    """

    def __init__(self, aliases: Iterable[Alias], kinds: Mapping[str, str]) -> None:
        aliases = list(aliases)
        self.aliases = tuple(aliases)
        missing = sorted({a.location_id for a in aliases} - set(kinds))
        if missing:
            raise ValueError(f"no kind given for locations {missing!r}")
        self.kinds = dict(kinds)
        self._type_words = {kind: _type_words(kind) for kind in set(self.kinds.values())}
        patterns = self._patterns(aliases)
        self._automaton: PhraseAutomaton[Pattern] = PhraseAutomaton(patterns)

    @classmethod
    def from_gazetteer(cls, gazetteer: GazetteerLike) -> Extractor:
        """Build the extractor from a gazetteer's aliases and location kinds."""
        aliases = tuple(gazetteer.aliases)
        kinds = {a.location_id: gazetteer.kind_of(a.location_id) for a in aliases}
        return cls(aliases, kinds)

    def __len__(self) -> int:
        """Return the number of phrases in the automaton."""
        return len(self._automaton)

    def _patterns(self, aliases: list[Alias]) -> list[tuple[str, Pattern]]:
        """Return every phrase to search for: names, name cores, references back, type words."""
        owner: dict[str, str] = {}
        names: list[tuple[str, Pattern]] = []
        for alias in aliases:
            for variant in {fold_phrase(alias.name), fold_phrase(strip_accents(alias.name))}:
                if variant and owner.setdefault(variant, alias.location_id) == alias.location_id:
                    names.append((variant, Pattern("name", alias.location_id)))
        cores: dict[str, Pattern] = {}
        for phrase, pattern in names:
            kind = self.kinds[pattern.target]
            core = _core(phrase, kind)
            if core is None or core in owner or cores.get(core, pattern).target != pattern.target:
                continue
            bare = (
                _BARE_CORES[core]
                if core in _BARE_CORES
                else _BARE_LOCATIONS.get(pattern.target) or _BARE_KINDS.get(kind, "")
            )
            cores[core] = Pattern("core", pattern.target, bare=bare)
        anaphors = [
            (phrase, Pattern("anaphor", kind, det))
            for kind in sorted(set(self.kinds.values()))
            for phrase, det in _anaphor_phrases(kind)
            if phrase not in owner
        ]
        kinds = set(self.kinds.values())
        anaphors += [
            (phrase, Pattern("anaphor", kind, det, many=True))
            for kind in sorted(kinds)
            for phrase, det in _plural_phrases(kind)
            if phrase not in owner
        ]
        anaphors += [
            (phrase, Pattern("anaphor", "|".join(either), det))
            for either, phrases in _EITHER_KIND_REFERENCES.items()
            if set(either) <= kinds
            for phrase, det in phrases
            if phrase not in owner
        ]
        nouns = [
            (phrase, Pattern("noun", kind))
            for kind in sorted(kinds)
            for phrase in _noun_phrases(kind)
            if phrase not in owner and phrase not in cores
        ]
        nouns += [
            (phrase, Pattern("noun", kind, "tr", many=many))
            for kind, phrases in _TURKISH_NOUNS.items()
            if kind in kinds
            for phrase, many in phrases
            if phrase not in owner and phrase not in cores
        ]
        return names + list(cores.items()) + anaphors + nouns

    def extract(self, text: str, *, end: int | None = None) -> list[Mention]:
        """Return the mentions in ``text[:end]``, sorted by start; offsets index ``text``.

        Parameters
        ----------
        text
            The article text, exactly as stored.
        end
            Search only ``text[:end]`` (for example to leave out page boilerplate).
        """
        if end is not None and not 0 <= end <= len(text):
            raise ValueError(f"end {end!r} is outside the text of length {len(text)}")
        scope = text if end is None or end == len(text) else text[:end]
        try:
            searched = Folded(scope, None)
            hits = self._automaton.boundary_hits(scope)
        except NeedsFolding:
            searched = fold(scope)
            hits = self._automaton.boundary_hits(searched.text)
        if not hits:
            return []
        return _Article(text, searched, self.kinds, self._type_words).mentions(hits)


@dataclass(slots=True)
class _Candidate:
    """A name or name core found in the text, with up to 40 folded characters around it.

    ``plural`` says on which side of it stands a plural type word that names beside it share
    ("before": «i corridoi Filadelfia», "after": "Philadelphi corridors"), else "".
    """

    hit: Hit[Pattern]
    before: str
    after: str
    plural: str = ""


def _anaphor_confidence(distance: int) -> float:
    """Return a reference back's confidence from its distance (characters) to its antecedent."""
    if distance <= ANAPHOR_NEAR:
        return CONFIDENCE_ANAPHOR_NEAR
    share = (distance - ANAPHOR_NEAR) / max(1, ANAPHOR_WINDOW - ANAPHOR_NEAR)
    drop = (CONFIDENCE_ANAPHOR_NEAR - CONFIDENCE_ANAPHOR_FAR) * min(1.0, share)
    return round(CONFIDENCE_ANAPHOR_NEAR - drop, 2)


def _not_overlapping(hits: list[Hit[Pattern]], taken: list[Hit[Pattern]]) -> list[Hit[Pattern]]:
    """Return ``hits`` (by start, no overlaps) without those overlapping ``taken`` (likewise)."""
    kept: list[Hit[Pattern]] = []
    j = 0
    for hit in hits:
        while j < len(taken) and taken[j].end <= hit.start:
            j += 1
        if j == len(taken) or taken[j].start >= hit.end:
            kept.append(hit)
    return kept


class _Article:
    """The per-text work of one :meth:`Extractor.extract` call."""

    def __init__(
        self,
        text: str,
        folded: Folded,
        kinds: Mapping[str, str],
        type_words: Mapping[str, _TypeWords],
    ) -> None:
        self.type_words = type_words
        self.text = text
        self.searched = folded.text
        self.span = folded.span
        self.kinds = kinds
        self.sentences = SentenceIndex(text)
        self.speakers = SpeakerFinder(text, self.sentences)

    def mentions(self, hits: list[Hit[Pattern]]) -> list[Mention]:
        """Turn boundary-checked hits into mentions: names first, then references back."""
        candidates: list[_Candidate] = []
        anaphors: list[Hit[Pattern]] = []
        for hit in hits:
            role = hit.payload.role
            if role == "anaphor":
                anaphors.append(hit)
            elif role == "noun":
                reference = self._modified_reference(hit)
                if reference is not None:
                    anaphors.append(reference)
            else:
                candidate = self._with_type_word(hit)
                if candidate is not None:
                    candidates.append(candidate)
        candidates.sort(key=lambda c: (c.hit.start, -c.hit.end))
        self._share_heads(candidates)
        kept = self._leftmost_kept_names(candidates)
        anaphors = _not_overlapping(leftmost_longest(anaphors), [hit for hit, _ in kept])
        last_of_kind: dict[str, str] = {}
        before_last: dict[str, str] = {}  # the place of each kind named before the last one
        last_end: dict[str, int] = {}
        found: list[Mention] = []
        events = kept + [(hit, 0.0) for hit in anaphors]
        for hit, confidence in sorted(events, key=lambda event: event[0].start):
            if hit.payload.role == "anaphor":
                locations = self._antecedents(hit, last_of_kind, before_last, last_end)
                hit = self._with_demonstrative(hit) if locations else hit
                for location in locations:
                    confidence = _anaphor_confidence(hit.start - last_end[location])
                    found.append(self._mention(hit, location, "anaphoric", confidence))
                    last_end[location] = hit.end
            else:
                location = hit.payload.target
                kind_of = self.kinds[location]
                if last_of_kind.get(kind_of, location) != location:
                    before_last[kind_of] = last_of_kind[kind_of]
                last_of_kind[kind_of] = location
                kind: MentionKind = "bare" if hit.payload.role == "core" else "explicit"
                found.append(self._mention(hit, location, kind, confidence))
                last_end[location] = hit.end
        return found

    def window(self, start: int, end: int) -> str:
        """Return the searched text from ``start`` to ``end``, folded."""
        return fold_same_length(self.searched[max(0, start) : end])

    def _with_type_word(self, hit: Hit[Pattern]) -> _Candidate | None:
        """Extend a name or core over an adjacent type word ("Rafah" + " border terminal").

        Names extend too ("Karem Abu Salem" + " gate"), over plural and inflected type words
        as well ("Philadelphi" + "-Korridors", "corridoi " + "Filadelfia"). Returns the
        extended hit as a name, or the name or core as it is (a core may stand bare or share
        the type word of a name beside it), or None for a name core of no kind.
        """
        start, end = hit.start, hit.end
        target = hit.payload.target
        words = self.type_words[self.kinds[target]]
        low = max(0, start - 40)
        around = fold_same_length(self.searched[low : end + 40])
        before, after = around[: start - low], around[end - low :]
        plural = ""
        if words.may_follow(after):
            following = words.after.match(after)
            if following is not None:
                end += following.end()
                plural = "after" if following.group("type") in words.plurals else ""
        if words.may_precede(before):
            preceding = words.before.search(before)
            if preceding is not None:
                group = preceding.lastgroup or "type"
                start = start - len(before) + preceding.start(group)
                plural = "before" if preceding.group(group) in words.plurals else plural
        if (start, end) == (hit.start, hit.end):
            other = end + _plural_past_conjunct(after, words)
            if other >= end and self.text[self.span(other, other + 1)[0]].isupper():
                name = Hit(start, end, Pattern("name", target))
                return _Candidate(name, before, after, "after")
            return _Candidate(hit, before, after)
        return _Candidate(
            Hit(start, end, Pattern("name", target)),
            self.window(start - 40, start),
            self.window(end, end + 40),
            plural,
        )

    def _share_heads(self, candidates: list[_Candidate]) -> None:
        """Make names of the cores that share a plural type word with a name beside them.

        "the Netzarim and Philadelphi corridors", «i corridoi Filadelfia e Netzarim»,
        "محوري فيلادلفيا ونتساريم": each name in the coordination names its own place.
        ``candidates`` is sorted by start; only the gap between neighbours is read.
        """
        chain: list[int] = []
        covered = 0
        for i, candidate in enumerate(candidates):
            if candidate.hit.start >= covered:
                chain.append(i)
                covered = candidate.hit.end
        links: list[tuple[int, int]] = []
        for a, b in itertools.pairwise(chain):
            first, second = candidates[a].hit, candidates[b].hit
            if (
                second.start - first.end <= 12
                and self.kinds[first.payload.target] == self.kinds[second.payload.target]
                and _SHARED_HEAD_GAP.fullmatch(self.window(first.end, second.start))
            ):
                links.append((a, b))
        for a, b in links:
            if candidates[a].plural == "before" and candidates[b].hit.payload.role == "core":
                candidates[b] = self._shared(candidates[b], "before")
            else:  # "Philadelphi and Netzarim": a bare name vouches for its neighbour's kind
                self._vouch(candidates, a, b)
                self._vouch(candidates, b, a)
        for a, b in reversed(links):
            if candidates[b].plural == "after" and candidates[a].hit.payload.role == "core":
                candidates[a] = self._shared(candidates[a], "after")

    @staticmethod
    def _vouch(candidates: list[_Candidate], by: int, to: int) -> None:
        """Let a core with no bare name stand bare as a core coordinated with it may."""
        voucher, hit = candidates[by].hit.payload, candidates[to].hit
        vouched = voucher.bare in ("name", "cue", "place", "former") and hit.payload.bare in (
            "",
            "earlier",
        )
        if vouched and voucher.role == hit.payload.role == "core":
            pattern = Pattern("core", hit.payload.target, bare=voucher.bare)
            candidates[to] = _Candidate(
                Hit(hit.start, hit.end, pattern), candidates[to].before, candidates[to].after
            )

    @staticmethod
    def _shared(candidate: _Candidate, side: str) -> _Candidate:
        """Return a core as a name that shares the type word on ``side``."""
        hit = candidate.hit
        name = Hit(hit.start, hit.end, Pattern("name", hit.payload.target))
        return _Candidate(name, candidate.before, candidate.after, side)

    def _leftmost_kept_names(
        self, candidates: list[_Candidate]
    ) -> list[tuple[Hit[Pattern], float]]:
        """Return the longest name at each start, left to right, that overlaps no kept one.

        Only names that are not overlapped are judged (:meth:`_keeps_name`); each comes with
        its confidence. ``candidates`` is sorted by start, longest first.
        """
        kept: list[tuple[Hit[Pattern], float]] = []
        covered = 0
        named: set[str] = set()
        for candidate in candidates:
            hit = candidate.hit
            if hit.start < covered:
                continue
            confidence = self._keeps_name(candidate, named)
            if confidence is None:
                continue
            kept.append((hit, confidence))
            covered = hit.end
            if hit.payload.role == "name":
                named.add(hit.payload.target)
        return kept

    def _keeps_name(self, candidate: _Candidate, named: set[str]) -> float | None:
        """Return the confidence of a name, or None in a trap (a kibbutz, a road) or for a
        bare name without the evidence it needs (:meth:`_bare_confidence`).

        ``named`` holds the locations named in full before it.
        """
        before, after = candidate.before, candidate.after
        if before.rstrip().endswith(_TRAP_BEFORE_WORDS) and _TRAP_BEFORE.search(before):
            return None
        if after.lstrip().startswith(_TRAP_AFTER_STARTS) and _TRAP_AFTER.search(after):
            return None
        if candidate.hit.payload.role == "core":
            return self._bare_confidence(candidate.hit, before, after, named)
        return 1.0

    def _bare_confidence(
        self, hit: Hit[Pattern], before: str, after: str, named: set[str]
    ) -> float | None:
        """Return the confidence of a bare name from its evidence, or None when it has too
        little (see :data:`_BARE_CORES`) or is the town, or a named agreement.

        Evidence: the place named in full before (0.9), a type word beside it (0.8), cue
        words around it in its sentence or "through" before it (0.75).
        """
        policy = hit.payload.bare
        if not policy or _AGREEMENT_AFTER.match(after) or _AGREEMENT_BEFORE.search(before):
            return None
        location = hit.payload.target
        kind = self.kinds[location]
        words = self.type_words[kind]
        beside = (
            words.beside.match(after) is not None
            or words.at.search(before) is not None
            or self._pronoun_of(before, words)
            or (kind == "crossing" and self._other_crossing_beside(before, after))
        )
        opening = _OPENING_OF.search(before) is not None
        if policy not in ("name", "former") and not beside and not opening:
            if _TOWN_BEFORE.search(before) or _TOWN_AFTER.search(after):
                return None
            if policy == "town" and _IN_TOWN_BEFORE.search(before):
                return None
        earlier = location in named
        if policy == "former" and not beside and self._settlement_years(hit):
            return None
        if not (
            policy == "name"
            or beside
            or (policy in ("place", "former") and earlier)
            or (
                (policy != "earlier" or earlier)
                and (opening or _VIA_BEFORE.search(before) or self._cues_around(hit, kind))
            )
        ):
            return None
        if earlier:
            return CONFIDENCE_NAMED_BEFORE
        return CONFIDENCE_TYPE_WORD_BESIDE if beside else CONFIDENCE_CUES

    def _cues_around(self, hit: Hit[Pattern], kind: str) -> bool:
        """Return True when words of ``kind``'s news stand near a bare name, in its sentence."""
        cues = _CUES.get(kind)
        if cues is None:
            return False
        start, end = self.span(hit.start, hit.end)
        first, last = self.sentences.span_at(start)
        low, high = max(first, start - _CUE_REACH), min(max(last, end), end + _CUE_REACH)
        return cues.search(fold(self.text[low:high]).text) is not None

    def _settlement_years(self, hit: Hit[Pattern]) -> bool:
        """Return True when a bare name's sentence (up to :data:`_ERA_REACH` characters each
        side) speaks of the years of the settlements ("in 2005", "the settlers")."""
        start, end = self.span(hit.start, hit.end)
        first, last = self.sentences.span_at(start)
        low, high = max(first, start - _ERA_REACH), min(max(last, end), end + _ERA_REACH)
        return _SETTLEMENT_YEARS.search(fold(self.text[low:high]).text) is not None

    @staticmethod
    def _pronoun_of(before: str, words: _TypeWords) -> bool:
        """Return True for a name after "that of" whose type word came just before it («dal
        valico di Rafah a quello di Kerem Shalom», "del paso de Rafah al de Kerem Shalom")."""
        match = _PRONOUN_OF.search(before)
        return match is not None and words.anywhere.search(before, 0, match.start()) is not None

    @staticmethod
    def _other_crossing_beside(before: str, after: str) -> bool:
        """Return True for a name coordinated with another crossing's ("Kerem Shalom and Al
        Auja", "Erez y Rafah"): the two are crossings alike."""
        return _OTHER_CROSSING_AFTER.match(after) is not None or (
            _OTHER_CROSSING_BEFORE.search(before) is not None
        )

    def _modified_reference(self, hit: Hit[Pattern]) -> Hit[Pattern] | None:
        """Return a type word as a reference back when a determiner and modifiers come before
        it ("the entire corridor", «l'intero corridoio»), or a Hebrew clitic ("בציר")."""
        if is_hebrew(self.searched[hit.start]):
            return self._hebrew_reference(hit)
        if hit.payload.determiner == "tr":
            return self._turkish_reference(hit)
        if not self.searched.endswith((" ", "-", "'", "\u2019"), 0, hit.start):
            return None
        before = self.window(hit.start - 40, hit.start)
        match = _MODIFIED_REFERENCE.search(before)
        if match is None:
            return None
        group = "det" if match.group("det") is not None else "elided"
        start = hit.start - len(before) + match.start(group)
        return Hit(start, hit.end, Pattern("anaphor", hit.payload.target, match.group(group)))

    def _hebrew_reference(self, hit: Hit[Pattern]) -> Hit[Pattern] | None:
        """Return a Hebrew type word after ב, ל or כ (which hold the article) as a reference
        back, from the preposition on, unless a name seems to follow ("במעבר ארז")."""
        prefix = self.searched[word_start(self.searched, hit.start) : hit.start].lstrip("וש")
        if not prefix or prefix[-1] not in "בלכ" or "ה" in prefix:
            return None
        if _HEBREW_NEXT.match(self.window(hit.end, hit.end + 16)) is None:
            return None
        return Hit(hit.start - len(prefix), hit.end, Pattern("anaphor", hit.payload.target, prefix))

    def _turkish_reference(self, hit: Hit[Pattern]) -> Hit[Pattern] | None:
        """Return a Turkish type word on its own as a reference back, unless the word before
        it is a name or a number ("Erez sınır kapısı") or a modifier ("insani koridor")."""
        start = self.span(hit.start, hit.end)[0]
        before = self.text[max(0, start - 30) : start]
        words = before.split()
        if words and before[-1:].isspace() and words[-1][-1:].isalnum():
            previous = words[-1]
            if previous[0].isdigit() or previous[0].isupper():  # even first in a sentence
                return None
            lowered = [w.replace("İ", "i").replace("I", "ı").lower() for w in words[-2:]]
            if any(w in _TURKISH_MODIFIERS for w in lowered):
                return None
        pattern = hit.payload
        return Hit(hit.start, hit.end, Pattern("anaphor", pattern.target, "tr", many=pattern.many))

    def _with_demonstrative(self, hit: Hit[Pattern]) -> Hit[Pattern]:
        """Extend a Hebrew reference back over the demonstrative after it ("הציר הזה")."""
        if _script(self.searched[hit.start : hit.end]) != "hebrew":
            return hit
        match = _HEBREW_DEMONSTRATIVE.match(self.window(hit.end, hit.end + 8))
        return hit if match is None else Hit(hit.start, hit.end + match.end(), hit.payload)

    def _antecedents(
        self,
        hit: Hit[Pattern],
        last_of_kind: dict[str, str],
        before_last: dict[str, str],
        last_end: dict[str, int],
    ) -> list[str]:
        """Return the locations a reference back points to: the last named of its kind (of
        its kinds, the one named last), or for a plural the last two; none when it points
        nowhere."""
        kinds = hit.payload.target.split("|")
        named = [last_of_kind[kind] for kind in kinds if kind in last_of_kind]
        if not named:
            return []
        last = max(named, key=lambda location: last_end[location])
        if not hit.payload.many:
            location = self._antecedent(hit, last, last_end)
            return [] if location is None else [location]
        other = before_last.get(kinds[0])
        if other is None or hit.start - last_end[other] > ANAPHOR_WINDOW:
            return []
        if self._antecedent(hit, last, last_end) is None:
            return []
        return sorted((other, last), key=lambda location: last_end[location])

    def _antecedent(self, hit: Hit[Pattern], location: str, last_end: dict[str, int]) -> str | None:
        """Return ``location`` when a reference back may point to it, else None."""
        if hit.start - last_end[location] > ANAPHOR_WINDOW:
            return None
        if hit.start - last_end[location] <= 3 and _APPOSITION.fullmatch(
            self.window(last_end[location], hit.start)
        ):
            return None  # "Kerem Shalom, the main crossing for goods": a description
        after = self.window(hit.end, hit.end + 12)
        if _NAME_FOLLOWS.match(after):
            return None
        end = self.span(hit.start, hit.end)[1]
        following = self.text[end : end + 3].lstrip(" ")
        if (
            hit.payload.determiner not in _GERMAN_DETERMINERS
            and _script(self.searched[hit.start : hit.end]) == "latin"
            and following[:1].isupper()
        ):
            return None
        if _ARABIC_COPULA.search(self.window(hit.start - 8, hit.start)):
            return None
        hebrew = _script(self.searched[hit.start : hit.end]) == "hebrew"
        if hebrew and _HEBREW_NOT_PLACE.match(after):
            return None
        if hebrew and _HEBREW_COPULA.search(self.window(hit.start - 8, hit.start)):
            return None
        return location

    def _mention(
        self, hit: Hit[Pattern], location: str, kind: MentionKind, confidence: float
    ) -> Mention:
        start, end = self.span(hit.start, hit.end)
        return Mention(
            location_id=location,
            surface=self.text[start:end],
            start=start,
            end=end,
            kind=kind,
            sentence=self.sentences.sentence_at(start),
            speaker=self.speakers.speaker_at(start, end),
            confidence=confidence,
        )


def extract_mentions(text: str, gazetteer: GazetteerLike) -> list[Mention]:
    """Return the mentions of ``gazetteer``'s contested locations in ``text``."""
    return Extractor.from_gazetteer(gazetteer).extract(text)
