"""Who said it: the speaker a sentence attributes its words or position to.

Rules, in order, for a mention at some offset:

1. Inside a quotation (which may run over sentences and hard-wrapped lines, and close with
   another mark than it opened with: “…"): the speaker named right after the quote
   (``"…," Kirby said``, ``"…", sagte der Insider``, ``«…», dijo a EFE un portavoz``), else
   the one that introduces it in its first sentence (``Hamas said the "…"``, ``Gallant: “…”``),
   else one in a clause set into it (``«…, affirmait X. …»``), else one named at the start of
   the sentence after it (``"…". Lo ha dichiarato X``), else, for a quote standing alone, the
   speaker of the quote in the sentence before. When none is found, rule 2.
2. Otherwise the nearest reporting clause before the mention in its sentence
   (``Egypt has insisted that…``, ``according to Egyptian officials``), else the first after it
   (``…, the army said``), else one at the start of the next sentence that points back
   (``Lo sostiene X``), else, on a hard-wrapped line, the last of the lines before.

A reporting clause has its subject before the verb (``X said``, ``X hat … mitgeteilt``, the
names before a Turkish sentence's first comma: ``X, … bildirdi``), or after it (``said X``,
``a rapporté samedi le journal X``, ``erklärte der Minister X``, ``وقال X إن``), past a date
and an addressee; a title with a name in apposition gives the name. Sources also stand in
``according to X``-like words and postpositions (``X'e göre``, ``nach israelischen Angaben``).

A pronoun subject (``he said``, ``it said``, ``sagte er``, ``לדבריו``, ``selon le média``)
resolves to the last named speaker in the sentences before. Speakers are returned as
written; None means the article's own voice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache, partial

from geo.extract.matcher import LiteralSet
from geo.extract.sentences import SentenceIndex
from geo.extract.textnorm import word_set

_SPEECH_VERBS_EN = (
    "said|says|say|told|tells|stated|states|added|adds|insisted|insists|claimed|claims|"
    "demanded|demands|announced|announces|warned|warns|stressed|stresses|noted|notes|argued|"
    "argues|confirmed|confirms|denied|denies|declared|declares|urged|urges|wrote|writes|"
    "explained|explains|vowed|vows|asserted|asserts|reported|reports|accused|accuses|"
    "acknowledged|acknowledges|emphasized|emphasised|reiterated|reiterates|alleged|alleges|"
    "maintained|maintains|proposed|proposes|rejected|rejects|refused|refuses|spoke|called|"
    "described|describes|reads|condemned|condemns|revealed|reveals"
)
# French, Italian, German (subject before or after the verb); French and Italian compound
# tenses are an auxiliary ("a", "ha") and a participle.
_PARTICIPLES_FR = (
    "déclaré|dit|affirmé|indiqué|annoncé|assuré|souligné|ajouté|estimé|insisté|rapporté|"
    "expliqué|précisé|confirmé|rappelé|averti|répété|martelé|dénoncé|démenti"
)
_PARTICIPLES_IT = (
    "detto|dichiarato|affermato|annunciato|spiegato|aggiunto|sostenuto|riferito|precisato|"
    "ribadito|sottolineato|confermato|riportato|denunciato|avvertito"
)
# French imperfect ("affirmait") tells a quote like the present in reported speech.
_VERBS_FR = (
    "déclare|affirme|indique|annonce|souligne|ajoute|estime|explique|précise|rapporte|assure|"
    "affirmait|déclarait|expliquait|indiquait|assurait|soulignait|estimait|disait|ajoutait"
)
_VERBS_IT = (
    "dice|dichiara|afferma|spiega|sostiene|sostengono|riferisce|riporta|ribadisce|precisa|"
    "annuncia|conferma|disse|dichiarò|affermò|spiegò"
)
_VERBS_DE = (
    "sagte|sagt|sagten|erklärte|erklärt|erklärten|betonte|betont|betonten|teilte|teilten|"
    "forderte|fordert|berichtete|berichtet|berichteten|meldete|meldet|schrieb|schreibt|"
    "beharrt|beharrte|warnte|warnt|bestätigte|bestätigt"
)
# German perfect tenses put the participle at the clause's end: „…", hatte der Sprecher
# mitgeteilt; the auxiliary starts the clause when such a participle follows before the end.
_PARTICIPLES_DE = (
    "gesagt|erklärt|mitgeteilt|betont|gefordert|angekündigt|bekräftigt|vorgeworfen|berichtet|"
    "gemeldet|bestätigt"
)
_AUXILIARY_DE = rf"(?:hat|hatte|haben|hatten)(?=\s[^.!?;]{{0,100}}?\b(?:{_PARTICIPLES_DE})\b)"
# Spanish (subject before or after the verb; "ha dicho" like Italian) and Turkish (the verb
# ends the clause; "ifade etti" is a noun and "etti", started by the noun like an auxiliary).
_VERBS_ES = (
    "dijo|afirmó|declaró|señaló|aseguró|indicó|añadió|explicó|advirtió|anunció|subrayó|"
    "insistió|reiteró|afirma|declara|señala|asegura|indica|añade|explica|advierte|dijeron|"
    "afirmaron|aseguraron|señalaron|indicaron|explicaron|anunciaron|confirmaron|informaron|"
    "apuntaron|apuntó|advirtieron|calificó|calificaron|confirmó|informó|agregó|sostuvo|"
    "manifestó|denunció"
)
_PARTICIPLES_ES = (
    "dicho|afirmado|declarado|señalado|asegurado|indicado|añadido|explicado|confirmado|"
    "informado|anunciado|advertido"
)
_VERBS_TR = (
    "dedi|söyledi|açıkladı|belirtti|kaydetti|bildirdi|vurguladı|duyurdu|duyurmuştu|"
    "açıklamıştı|bildirmişti|söylemişti|belirtmişti|kaydetmişti|vurgulamıştı"
)
_COMPOUND_TR = r"ifade\s+(?:etti|etmişti)"
# An adverb may stand between the auxiliary and the participle: «a en outre déclaré».
_BETWEEN_FR = (
    r"(?:(?:en\s+outre|également|aussi|encore|par\s+ailleurs|notamment|ensuite|enfin)\s+)?"
)
_SPEECH_VERBS_OTHER = (
    rf"(?:a|ont)\s+{_BETWEEN_FR}(?:{_PARTICIPLES_FR})|{_VERBS_FR}"
    rf"|(?:ha|hanno)\s+(?:{_PARTICIPLES_IT})|{_VERBS_IT}|{_VERBS_DE}"
    rf"|{_AUXILIARY_DE}|(?:ha|han)\s+(?:{_PARTICIPLES_ES})|{_VERBS_ES}|{_VERBS_TR}"
    rf"|{_COMPOUND_TR}"
)
_VERB = re.compile(rf"\b(?:{_SPEECH_VERBS_EN}|{_SPEECH_VERBS_OTHER})\b")
_ACCORDING_LATIN = (
    "according to",
    "selon",
    "d'après",
    "d’après",
    "secondo",
    "laut",
    "zufolge",
    "según",
    "de acuerdo con",
)
_ACCORDING_RTL = ("وفقا\\s*ل", "وفقًا\\s*ل", "بحسب", "حسب", "نقلا عن", "לדברי", "לפי", "על פי")
# An Arabic or Hebrew one starts a word (after "and": و, ו), so "לפי" in "פילדלפי" is none.
_ACCORDING = re.compile(
    rf"\b(?i:{'|'.join(_ACCORDING_LATIN)})\s+|(?<!\w)(?:و|ו)?(?:{'|'.join(_ACCORDING_RTL)})\s*"
)
# "לדבריו", "לדבריה": by his, her words — the speaker named before.
_ACCORDING_PRONOUN = re.compile(r"(?:ו|ה|הם|הן)(?!\w)")
_RTL_VERBS = (
    "قال|قالت|أكد|أكدت|اكد|أعلن|أعلنت|اعلن|صرح|أضاف|أضافت|اضاف|كشف|كشفت|أوضح|أوضحت|اوضح|"
    "شدد|شدّد|شددت|شدّدت|أدان|أدانت|ادان|ذكر|ذكرت|أشار|أشارت|أفاد|أفادت|نفى|نفت|نشرته|"
    "تابع|تابعت|زعم|زعمت|نقل|نقلت|"
    "אמר|אמרה|אמרו|מסר|מסרה|מסרו|הודיע|הודיעה|הודיעו|הבהיר|הבהירה|טען|טענה|טוען|טוענת|"
    "טוענים|הצהיר|הצהירה|הכחיש|הכחישה|דיווח|דיווחה|דיווחו|ציין|ציינה|הוסיף|הוסיפה|הדגיש|"
    "הדגישה|כתב|כתבה"
)
# A verb starts a word: after white space, or where no letter stands before it.
_RTL_VERB = re.compile(rf"(?:\s|(?<!\w))(?:و|ف)?(?:{_RTL_VERBS})(?:\s+|(?=[,،:]))")
# "نقلت صحيفة X عن Y": Y is the source, X only passes the words on.
_RTL_RELAY = frozenset({"نقل", "نقلت"})
_RTL_FROM = re.compile(r"\sعن\s+")
# A sentence holds a reporting clause only if it holds one of its words: a speech verb or
# participle (_VERB_WORDS), "according to" (_ACCORDING_WORDS, _ACCORDING_HINTS for Arabic and
# Hebrew, where the words may be attached), an Arabic or Hebrew verb (_RTL_WORDS). A speech
# verb's clause starts at one of the _VERB_STARTS words (the verb, or the auxiliary of a
# compound tense), an Arabic or Hebrew one just before its verb.
_AUXILIARIES = frozenset(
    {"a", "ont", "ha", "hanno", "han", "hat", "hatte", "haben", "hatten", "ifade"}
)
_VERB_LISTS = (_SPEECH_VERBS_EN, _VERBS_FR, _VERBS_IT, _VERBS_DE, _VERBS_ES, _VERBS_TR)
_VERB_STARTS = frozenset("|".join(_VERB_LISTS).split("|")) | _AUXILIARIES
_PARTICIPLE_WORDS = frozenset(
    f"{_PARTICIPLES_FR}|{_PARTICIPLES_IT}|{_PARTICIPLES_DE}|{_PARTICIPLES_ES}|etti|etmişti".split(
        "|"
    )
)
_VERB_WORDS = (_VERB_STARTS - _AUXILIARIES) | _PARTICIPLE_WORDS
_ACCORDING_WORDS = frozenset(
    form
    for word in ("according", "selon", "après", "secondo", "laut", "zufolge", "según", "acuerdo")
    for form in (word, word.capitalize())  # "According to …" opens many a sentence
)
_ACCORDING_HINTS = frozenset({"وفق", "حسب", "نقلا عن", "לדברי", "לפי", "על פי"})
_RTL_WORDS = frozenset(p + verb for verb in _RTL_VERBS.split("|") for p in ("", "و", "ف"))
# Sources written before a postposition: "Netanyahu'ya göre", "nach israelischen Angaben".
_POSTPOSITION_WORDS = frozenset({"göre", "Angaben"})
_GORE = re.compile(r"\s+göre\b")
# Turkish "X'in yaptığı açıklamaya göre" (by the statement X made): X is the source.
_STATEMENT_TR = word_set("açıklama açıklamaya açıklamasına habere bilgiye iddiaya")
_MADE_TR = word_set("yaptığı verdiği")
_ANGABEN = re.compile(r"\bnach\s+(?:(\w+)\s+)?Angaben\b")
# A headline or a lead naming who speaks before a colon: "Gallant: “…”".
_COLON_QUOTE = re.compile(r"[^:\n\"“”«»„]{1,60}?(:)\s*[\"“«„]")


@cache
def _cue_words() -> LiteralSet:
    """Return the words a reporting clause needs, to look for all at once."""
    return LiteralSet(
        _VERB_WORDS | _ACCORDING_WORDS | _ACCORDING_HINTS | _RTL_WORDS | _POSTPOSITION_WORDS
    )


# Nouns that stand for a source named before ("selon le média", "the agency said").
_GENERIC_SOURCES = word_set(
    """
    média médias journal quotidien agence chaîne newspaper paper report agency broadcaster
    channel outlet giornale quotidiano agenzia emittente zeitung sender agentur blatt diario
    periódico medio agencia cadena
    """
)

_QUOTES = {"“": "”", "«": "»", "„": "“", '"': '"'}
_QUOTE_MARK = re.compile(r'[“”«»„"]')
# The marks that may close a quotation opened by each mark (mixed marks are common: “…").
_CLOSERS = {"“": '”"', "«": "»", "„": '“"', '"': '"”“'}
_QUOTE_REACH = 3000  # a quotation is looked for within this many characters of a mention
_END_OF_LINE = '.!?…"”»“)]'


def _gershayim(text: str, at: int) -> bool:
    """Whether the " at ``at`` stands inside a Hebrew word (צה"ל), not around a quotation."""
    return (
        text[at] == '"'
        and 0 < at < len(text) - 1
        and text[at - 1].isalpha()
        and text[at + 1].isalpha()
    )


def _wrapped(text: str, newline: int) -> bool:
    """Whether the line break at ``newline`` only wraps a line: the line ends without end
    punctuation and a line of text follows (no blank line)."""
    before = text[newline - 1 : newline]
    after = text[newline + 1 : newline + 2]
    return bool(before.strip()) and before not in _END_OF_LINE and bool(after.strip())


_PRONOUNS = word_set(
    "he she it they we i il elle ils elles lui lei loro er sie es wir هو هي هم הוא היא הם"
)
_DETERMINERS = word_set(
    "the a an le la les l' un une il lo gli i uno una der die das den dem ein eine "
    "einer einem einen los las unos unas"
)
_TITLES = word_set(
    """
    office officials official spokesperson spokesman spokeswoman minister ministry army
    military group movement government authorities authority sources source leader
    president premier analyst statement council forces media agency correspondent envoy
    diplomat director chief commander negotiators negotiator mediators mediator residents
    witnesses witness administration news cabinet presidency parliament team delegation
    officer spokesmen representative representatives adviser advisor aide aides channel
    porte-parole ministre ministère correspondant armée gouvernement responsable source
    responsables chaîne diplomate diplomates président négociateurs médiateurs
    portavoce ministro ministero governo esercito fonti fonte funzionario funzionari
    corrispondente responsabile responsabili presidente mediatori negoziatori
    report newspaper paper broadcaster radio outlet website daily
    radiodiffuseur diffuseur journal quotidien média médias agence radio télévision site
    consigliere giornale quotidiano agenzia emittente sito
    sprecher sprecherin premierminister ministerpräsident regierungschef armee regierung
    militär beamte beamter beamten vertreter sender zeitung agentur nachrichtenagentur
    behörde behörden medien
    funcionario funcionarios portavoz portavoces ministerio ejército gobierno fuentes fuente
    dirigente dirigentes medio medios comunicación agencia diario periódico cadena
    oficiales autoridades
    kaynakları kaynaklar sözcüsü bakanı başbakanı ajansı ordusu ordu bakanlığı yetkilileri
    yetkilisi basını gazetesi büyükelçisi cumhurbaşkanı medyası hükümeti hükümet
    colonel général general amiral admiral contre-amiral lieutenant capitaine captain major
    commandant sheikh cheikh rabbi rabbin generale colonnello ammiraglio coronel almirante
    """
)
# Lower-case words that may stand inside a speaker's noun phrase: office words that qualify
# a title ("defence minister", «haut responsable»), and adjectives of nationality, told by
# their stem («responsables égyptiens», "fonti egiziane", "israelischer Militärvertreter").
_MODIFIERS = word_set(
    """
    defence defense foreign prime interior deputy senior former top security national
    haut hauts haute hautes ancien ancienne alto alti alta alte ex hochrangiger hochrangige
    ehemalige ehemaliger primo prima premier première public publique pubblico pubblica
    militar militare militaire
    """
)
_NATIONALITY_STEMS = tuple(
    word_set(
        """
    égypt egypt egizi ägypt isra palestin palästin améric americ amerik qatar katar iran turc
    turch türk jordan giordan liban syri siri saoud saudi émir emir britan brit franç frances
    egipc israel
    französ allemand tedesc deutsch russ onusien europ
    """
    )
)
# English verbs that take an object, not a subject, after a comma ("…, told Al Jazeera").
_NO_INVERSION = word_set(
    """
    told tells demanded demands denied denies urged urges vowed vows accused accuses proposed
    proposes rejected rejects refused refuses spoke called
    """
)
_SKIP_BEFORE_VERB = word_set(
    """
    has have had was were is are also reportedly previously repeatedly again then later
    further publicly since already earlier still had has on this last week today yesterday
    monday tuesday wednesday thursday friday saturday sunday night morning evening
    """
)
_STOP_CAPITALISED = word_set(
    """
    the a an in on at but and since when while after before as if although however
    meanwhile also this that it asked speaking by for with from to of what which who
    """
)
# Words that join the parts of a name or title: "Minister of Defence", «porte-parole de
# l'armée», "ministro degli Esteri", "Sprecher des Außenministeriums".
_CONNECTORS = word_set("of for de du des di del della dello dei degli delle al el bin ibn von and")
_APPOSITION_OPENERS = _DETERMINERS | word_set("who which whose qui che dont")
_ELISION = re.compile(r"^\w{1,4}['’](?=\w)")
_WORD = re.compile(r"(?:[\w'’\-]+|\.(?=\w))+|[^\w\s]")
_LEAD = re.compile(r"[\s,:;—–-]*")
_RTL_STOP = frozenset(
    {"إن", "ان", "أن", "إنه", "انه", "أنه", "כי", "ש", "إلى", "على", "عن", "لـ", "ل"}
    | {"تأكيده", "تأكيدها", "قوله", "قولها", "את"}  # "his saying" after the source's name
)


class Cue:
    """A reporting clause: where it sits and the speaker it names (None for a pronoun).

    With ``resolve`` instead of a speaker, the speaker is worked out when first asked for:
    most clauses of a sentence are never asked.
    """

    def __init__(
        self,
        start: int,
        end: int,
        speaker: str | None = None,
        resolve: Callable[[], str | None] | None = None,
    ) -> None:
        self.start = start
        self.end = end
        self._speaker = speaker
        self._resolve = resolve

    @property
    def speaker(self) -> str | None:
        """The speaker the clause names, or None for a pronoun."""
        if self._resolve is not None:
            self._speaker, self._resolve = self._resolve(), None
        return self._speaker

    def __repr__(self) -> str:
        return f"Cue({self.start!r}, {self.end!r}, {self.speaker!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cue):
            return NotImplemented
        return (self.start, self.end, self.speaker) == (other.start, other.end, other.speaker)

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.speaker))


def _role(word: str) -> str:
    """Return what ``word`` can be in a speaker's noun phrase.

    One of ``"head"`` (a name, a title, or a word of a script without case), ``"modifier"``,
    ``"connector"``, ``"determiner"`` or ``"other"``.
    """
    lower = word.lower()
    if lower in _DETERMINERS:
        return "determiner"
    if lower in _CONNECTORS:
        return "connector"
    if not word[:1].isalpha():
        return "other"
    if word[:1].isupper():
        return "other" if lower in _STOP_CAPITALISED else "head"
    if "-" in word and any(part[:1].isupper() for part in word.split("-")):
        return "head"  # "al-Hayya", "el-Sisi"
    if not word[:1].islower():
        return "head"  # Arabic, Hebrew: no case to tell a name by
    bare = _ELISION.sub("", lower) if "'" in lower or "’" in lower else lower  # «l'armée»
    if bare in _TITLES:
        return "head"
    if bare in _MODIFIERS or (len(bare) > 5 and bare.startswith(_NATIONALITY_STEMS)):
        return "modifier"
    return "other"


def _trim(words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Drop the determiners and connectors at either end of a phrase (in text order)."""
    edge = ("determiner", "connector")
    first, last = 0, len(words)
    while first < last and _role(words[first][0]) in edge:
        first += 1
    while last > first and _role(words[last - 1][0]) in edge:
        last -= 1
    kept = words[first:last]
    return kept if any(_role(word) == "head" for word, _ in kept) else []


def _span_of(text: str, words: list[tuple[str, int]]) -> str:
    first, last = words[0], words[-1]
    return text[first[1] : last[1] + len(last[0])]


_SUBJECT_REACH = 200
"""Characters before a speech verb its subject is looked for in (a subject is a few words)."""


def _subject_before(text: str, verb_start: int, floor: int) -> tuple[bool, str | None]:
    """Return (found, speaker) for the subject written just before a speech verb.

    ``found`` is False when no subject stands there; a pronoun subject gives (True, None).
    Walking back from the verb, the phrase takes names, titles, their modifiers and the
    connectors between them; a determiner ends it unless a connector stands before it
    («de la», "of the").
    """
    floor = max(floor, verb_start - _SUBJECT_REACH)
    words = [(m.group(), m.start()) for m in _WORD.finditer(text, floor, verb_start)]
    i = len(words) - 1
    while i >= 0 and words[i][0].lower() in _SKIP_BEFORE_VERB:
        i -= 1
    if i < 0:
        return False, None
    if words[i][0].lower() in _PRONOUNS:
        return True, None
    if i >= 2 and words[i][0] == ")" and words[i - 2][0] == "(" and words[i - 1][0][:1].isupper():
        return True, words[i - 1][0]  # "the Coordinator of … (COGAT) said": its short name
    taken: list[tuple[str, int]] = []
    while i >= 0:
        role = _role(words[i][0])
        if role == "determiner":
            if not (taken and i > 0 and _role(words[i - 1][0]) == "connector"):
                break
        elif role == "connector":
            if not taken:
                break
        elif role == "other":
            break
        taken.append(words[i])
        i -= 1
    phrase = _trim(taken[::-1])
    if not phrase or all(word.lower() in _TIME_WORDS for word, _ in phrase):
        return False, None  # none, or only a date: "Am Abend erklärte der Minister"
    return True, _span_of(text, phrase)


def _subject_across_apposition(text: str, floor: int, comma: int) -> str | None:
    """Return X of "X, the deputy of Y, told…": the subject before an apposition.

    ``comma`` is the one just before the verb; the apposition opens with a determiner or a
    relative pronoun after the comma before it.
    """
    opening = text.rfind(",", floor, comma)
    if opening < 0 or comma - opening > 120:
        return None
    first = _WORD.search(text, opening + 1, comma)
    if first is None:
        return None
    found, speaker = _subject_before(text, opening, floor)
    name = _name_in_apposition(text, opening + 1, comma)
    if name is not None and not (found and speaker is not None and _named(speaker)):
        return name  # "the army spokesman, Rear Admiral Daniel Hagari, said": the name
    if first.group().lower() not in _APPOSITION_OPENERS:
        return None
    return speaker if found else None


def _named(phrase: str) -> bool:
    """Whether a phrase holds a name (a word in capitals)."""
    return any(word[:1].isupper() for word in phrase.split())


def _name_in_apposition(text: str, start: int, end: int) -> str | None:
    """Return the name that ends an apposition ``text[start:end]`` ("le contre-amiral Daniel
    Hagari"), if only a determiner and title words stand before it."""
    words = _WORD.findall(text, start, end)
    if not words or len(words) > 7:
        return None
    found, name = _subject_before(text, end, start)
    if not found or name is None or not _named(name):
        return None
    lead = words[: len(words) - len(_WORD.findall(name))]
    if any(_role(word) == "other" and "-" not in word for word in lead):
        return None  # "officials, speaking to Reuters, said"
    return name


_RTL_TIME_WORDS = word_set(
    "אתמול היום הבוקר הערב הלילה השבוע בשבוע ביום בהודעה اليوم أمس امس الاثنين الثلاثاء "
    "الأربعاء الخميس الجمعة السبت الأحد مساء صباح الإثنين"
)
# Hebrew words that may open a clause before a verb that its subject follows ("על כך אמר
# נתניהו": about this, said Netanyahu).
_RTL_ADVERBIALS = word_set("על כך לכך בנוסף עוד כמו כן בתגובה מנגד אז ואז בהמשך לאחר מכן")
_RTL_SKIPPED = _RTL_TIME_WORDS | _RTL_ADVERBIALS
# A sentence that names who said the one before it: "Lo ha dichiarato X", «C'est ce qu'a
# déclaré X», "Das sagte X", "Así lo dijo X".
_CATAPHORA = re.compile(r"(?:Lo|Così|Ciò|Questo|C['’]est ce qu|Ainsi|Das|Dies|So|Así lo)\b")
_RTL_THAT = re.compile(r"\s*(?:(?:כי|:|إن|أن|ان|إنه|أنه|انه)(?:\s|$)|ש(?=\w))")
_RTL_CLAUSE_BREAK = re.compile(r"[,.;:!?\"“”״«»()،؛\n]")
_RTL_COMMA = re.compile(r"[,،]")
_NON_SPACE = re.compile(r"\S+")
# Who a verb addresses, between it and "that": "אמר לוואפא כי", "قال لـRT:".
_RTL_ADDRESSEE = re.compile(r"\s*(?:ל\w+|لـ\s*\w+)")


def _skip_time_words(text: str, start: int, limit: int) -> int:
    """Return where the words after a verb go on, past "yesterday", "today"… (up to two)."""
    at = start
    for _ in range(2):
        match = _WORD.match(text, at, limit)
        if match is None or match.group() not in _RTL_TIME_WORDS:
            break
        at = _LEAD.match(text, match.end(), limit).end()  # type: ignore[union-attr]
    return at


def _rtl_clause_before(text: str, verb_start: int, floor: int) -> tuple[int, str]:
    """Return where the clause before an Arabic or Hebrew verb starts, and its text (back to
    a comma, a quote, the sentence's start)."""
    begin = max(floor, verb_start - 80)
    clause = text[begin:verb_start]
    breaks = list(_RTL_CLAUSE_BREAK.finditer(clause))
    if breaks:
        begin += breaks[-1].end()
        clause = text[begin:verb_start]
    return begin, clause


_CLOSING_MARKS = frozenset(".!?…\"'”’»)]“")


def _is_word_char(char: str) -> bool:
    """Whether ``char`` continues a word (as ``\\w`` in a regular expression)."""
    return char.isalnum() or char == "_"


def _rtl_subject_before(text: str, verb_start: int, floor: int, max_words: int = 4) -> str | None:
    """The subject before an Arabic or Hebrew verb (subject–verb order): up to four words,
    back to the clause's start (a comma, a quote, the sentence's start) or to another speech
    verb ("דיווח שקהיר הבהירה": Cairo, without the "that" glued to it).

    When the verb follows a comma, the subject is the name set off before it
    ("דובר הסהר האדום, ראאד אל-נמס, אמר").
    """
    begin, _ = _rtl_clause_before(text, verb_start, floor)
    words = [(m.start(), m.end()) for m in _NON_SPACE.finditer(text, begin, verb_start)]
    for i in range(len(words) - 1, -1, -1):
        if text[words[i][0] : words[i][1]] in _RTL_WORDS:
            words = words[i + 1 :]
            if words and text[words[0][0]] == "ש" and words[0][1] - words[0][0] > 2:
                words[0] = (words[0][0] + 1, words[0][1])
            break
    if not words and begin > floor and text[begin - 1] in ",،":
        before, _ = _rtl_clause_before(text, begin - 1, floor)
        words = [(m.start(), m.end()) for m in _NON_SPACE.finditer(text, before, begin - 1)]
        words = words if len(words) <= 3 else []
    words = words[-max_words:]
    return text[words[0][0] : words[-1][1]] if words else None


def _rtl_apposition(text: str, start: int, limit: int) -> str | None:
    """Return the name set off after a title: "قال المتحدث باسم الجيش، فلان الفلاني، إن".

    ``start`` is where the title starts; the name is one to three words between commas.
    """
    first = _RTL_COMMA.search(text, start, min(limit, start + 160))
    if first is None or any(ch in text[start : first.start()] for ch in '.:"“”«»'):
        return None
    second = _RTL_COMMA.search(text, first.end(), min(limit, first.end() + 40))
    if second is None:
        return None
    found = list(_NON_SPACE.finditer(text, first.end(), second.start()))
    if not 1 <= len(found) <= 3 or any(
        w.group() in _RTL_STOP or w.group() in _RTL_WORDS or w.group() in _RTL_TIME_WORDS
        for w in found
    ):
        return None
    return text[found[0].start() : found[-1].end()]


def _is_hebrew(word: str) -> bool:
    return "\u0590" <= word[-1:] <= "\u05ff"


def _phrase_after(text: str, start: int, limit: int, max_words: int = 9) -> str | None:
    """Return the noun phrase that starts at ``start`` (after a cue), as written.

    Leading determiners are skipped; the phrase takes names, titles, their modifiers and
    connectors (a determiner only right after a connector) and ends at any other word.
    """
    words: list[tuple[str, int]] = []
    for match in _WORD.finditer(text, start, limit):
        word = match.group()
        role = _role(word)
        if words and word.lower() in _RTL_STOP:
            break
        if role == "determiner":
            # one in capitals after a title starts a name: "le journal Le Monde"
            named = word[:1].isupper() and words and _role(words[-1][0]) == "head"
            if words and _role(words[-1][0]) != "connector" and not named:
                break
        elif role == "other":
            break
        words.append((word, match.start()))
        if len(words) >= max_words:
            break
    phrase = _trim(words)
    return _span_of(text, phrase) if phrase else None


_VERBS_TR_SET = frozenset(_VERBS_TR.split("|")) | {"ifade etti", "ifade etmişti"}
_VERBS_EN_SET = frozenset(_SPEECH_VERBS_EN.split("|"))
# Words of a date or time between a verb and its subject ("a rapporté samedi le journal",
# "dijo el miércoles un portavoz", "affirmait fin décembre le ministre").
_TIME_WORDS = word_set(
    """
    monday tuesday wednesday thursday friday saturday sunday today yesterday on last this
    lundi mardi mercredi jeudi vendredi samedi dimanche hier aujourd'hui soir matin fin début
    lunedì martedì mercoledì giovedì venerdì sabato domenica ieri oggi sera mattina
    montag dienstag mittwoch donnerstag freitag samstag sonntag gestern heute abend am
    lunes martes miércoles jueves viernes sábado domingo ayer hoy este esta el le
    janvier février mars avril mai juin juillet août septembre octobre novembre décembre
    gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
    enero febrero abril mayo junio julio septiembre octubre noviembre diciembre
    """
)
# Who a verb addresses before its subject: "dijo a EFE un portavoz", «a déclaré à l'AFP».
_ADDRESSEE = word_set("a à al au aux ai alla allo agli to")
# A pronoun subject after the verb: "sagte er", «explique-t-il», "disse lui".
_PRONOUN_AFTER = re.compile(
    r"(?:-t)?-(?:il|elle|ils|elles|on)\b|\s+(?:er|sie|lui|lei|he|she|they)\b(?!-)"
)


def _skip_time(text: str, at: int, limit: int) -> int:
    """Return where the words after ``at`` go on, past up to four date and time words."""
    for _ in range(4):
        match = _WORD.search(text, at, limit)
        if match is None or match.group().lower() not in _TIME_WORDS:
            break
        if text[at : match.start()].strip(" ,"):
            break
        at = match.end()
    return at


def _subject_after(
    text: str, at: int, limit: int, inverted: bool = False
) -> tuple[bool, str | None]:
    """Return (found, speaker) for the subject written after a verb, as for
    :func:`_subject_before`: past a date ("samedi") and an addressee ("a EFE").

    ``inverted`` (no comma before the verb) asks for a determiner or a name to start it.
    """
    if _PRONOUN_AFTER.match(text, at, limit):
        return True, None
    at = _skip_time(text, at, limit)
    first = _WORD.search(text, at, limit)
    if (
        first is not None
        and first.group().lower() in _ADDRESSEE
        and not text[at : first.start()].strip()
    ):
        to = _phrase_after(text, first.end(), limit, max_words=4)
        if to is not None:
            at = _skip_time(text, text.index(to, first.end()) + len(to), limit)
            first = _WORD.search(text, at, limit)
    if inverted and (
        first is None
        or text[at : first.start()].strip()
        or _role(first.group()) not in ("determiner", "head")
    ):
        return False, None
    speaker = _phrase_after(text, at, limit)
    return speaker is not None, speaker


def _turkish_subject(text: str, start: int, verb_start: int) -> str | None:
    """Return the subject of a Turkish sentence that ends on its verb: the names and titles
    before its first comma ("Haber kaynakları, … bildirdi", "… vurgulayan Cogat, … belirtti"),
    else those that open it ("Bakan Gideon Saar da … duyurmuştu"). A name with a case ending
    ("Türkiye'nin") is no subject."""
    start = max(start, verb_start - 4 * _SUBJECT_REACH)
    comma = text.find(",", start, verb_start)
    words = list(_WORD.finditer(text, start, comma if comma >= 0 else verb_start))
    if comma >= 0:
        words.reverse()
    run = []
    for word in words:
        if not (word.group()[:1].isupper() or word.group().lower() in _TITLES):
            break
        run.append(word)
    if not run:
        return None
    first, last = min(run, key=lambda w: w.start()), max(run, key=lambda w: w.start())
    if "'" in last.group() or "’" in last.group():
        return None
    return text[first.start() : last.end()]


class SpeakerFinder:
    """Finds the speaker of each mention in one text; caches per-sentence cues."""

    def __init__(self, text: str, sentences: SentenceIndex | None = None) -> None:
        self.text = text
        self.sentences = sentences or SentenceIndex(text)
        self._cues: dict[tuple[int, int], list[Cue]] = {}
        self._quoted = any(mark in text for mark in _QUOTES)

    def speaker_at(self, start: int, end: int) -> str | None:
        """Return who the sentence holding ``text[start:end]`` attributes it to, or None."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {(start, end)!r} is outside the text")
        sentence = self.sentences.span_at(start)
        quote = self._quote_around(start, end)
        if quote is not None:
            speaker = self._quote_speaker(quote, sentence)
            if speaker is not None:
                return speaker
        return self._clause_speaker(sentence, start)

    # -- quotations ---------------------------------------------------------------------

    def _block(self, start: int, end: int) -> tuple[int, int]:
        """Return the stretch of text a quote around ``text[start:end]`` may span: its line,
        and the lines around it that a hard wrap cut from it (a line that ends without end
        punctuation runs on), within :data:`_QUOTE_REACH` characters."""
        text = self.text
        floor = max(0, start - _QUOTE_REACH)  # every search bounded: linear on any text
        first = text.rfind("\n", floor, start) + 1 or floor
        while first > floor + 1 and _wrapped(text, first - 1):
            first = text.rfind("\n", floor, first - 1) + 1 or floor
        ceiling = min(len(text), end + _QUOTE_REACH)
        last = text.find("\n", end, ceiling)
        while 0 <= last < len(text) - 1 and _wrapped(text, last):
            last = text.find("\n", last + 1, ceiling)
        return max(first, start - _QUOTE_REACH), min(
            len(text) if last < 0 else last, end + _QUOTE_REACH
        )

    def _quote_around(self, start: int, end: int) -> tuple[int, int] | None:
        """Return the quotation holding ``text[start:end]``: from its opening mark to its
        closing one (any closing mark: writers mix “…" and „…"), or to the end of its block
        when it is left open."""
        if not self._quoted:
            return None
        floor, limit = self._block(start, end)
        stack: list[str] = []
        opened = -1
        for mark in _QUOTE_MARK.finditer(self.text, floor, start):
            char = mark.group()
            if _gershayim(self.text, mark.start()):
                continue
            if stack and char in _CLOSERS[stack[-1]]:
                stack.pop()
            elif char in _CLOSERS and len(stack) < 3:
                if not stack:
                    opened = mark.start()
                stack.append(char)
        if not stack:
            return None
        for mark in _QUOTE_MARK.finditer(self.text, end, limit):
            char = mark.group()
            if _gershayim(self.text, mark.start()):
                continue
            if char in _CLOSERS[stack[-1]]:
                stack.pop()
                if not stack:
                    return opened, mark.end()
            elif char in _CLOSERS:
                stack.append(char)
        return opened, limit

    def _quote_speaker(self, quote: tuple[int, int], sentence: tuple[int, int]) -> str | None:
        """Return who speaks a quotation: named after it, before it, in a clause set into it
        («…, affirmait X. …»), at the start of the sentence after it ("Lo ha detto X"), or,
        for a quotation standing alone, the speaker of the quotation just before it."""
        after = self._cue_after_quote(quote[1])
        if after is not None:
            return after
        opening = self.sentences.span_at(quote[0])
        before = [c for c in self.cues(opening) if c.end <= quote[0] + 1]
        if before:
            return self._resolve(before[-1], opening)
        inside = self._cue_inside_quote(quote, opening)
        if inside is not None:
            return inside
        closing = self.sentences.span_at(max(quote[0], quote[1] - 1))
        following = self.sentences.following(closing)
        rest = self.text[quote[1] : closing[1]]
        if following is not None and not any(ch.isalnum() for ch in rest):
            early = [c for c in self.cues(following) if c.start - following[0] < 60]
            if early:
                return self._resolve(early[0], following)
        previous = self.sentences.previous(opening)
        if previous is not None and quote[0] - opening[0] < 3:
            quoted = any(mark in self.text[previous[0] : previous[1]] for mark in _QUOTES)
            named = [c.speaker for c in self.cues(previous) if c.speaker is not None]
            if quoted and named:
                return named[-1]
        return None

    def _cue_inside_quote(self, quote: tuple[int, int], opening: tuple[int, int]) -> str | None:
        """Return the speaker of a clause set into a quotation after a comma:
        «Le couloir est à nous. Il doit être fermé, affirmait X. Il ne peut…»."""
        current: tuple[int, int] | None = opening
        for _ in range(4):
            if current is None or current[0] >= quote[1]:
                return None
            for cue in self.cues(current):
                if (
                    quote[0] < cue.start < quote[1]
                    and cue.speaker is not None
                    and self.text[current[0] : cue.start].rstrip().endswith(",")
                ):
                    return cue.speaker
            current = self.sentences.following(current)
        return None

    def _cue_after_quote(self, quote_end: int) -> str | None:
        """Return the speaker of ``", Kirby said"`` / ``", said Kirby"`` after a quote."""
        para_end = self.text.find("\n", quote_end, quote_end + 400)
        para_end = min(len(self.text), quote_end + 400) if para_end < 0 else para_end
        lead = _LEAD.match(self.text, quote_end)
        begin = lead.end() if lead else quote_end
        if begin == quote_end and self.text[quote_end - 2 : quote_end - 1] not in ",.?!":
            return None
        window_end = min(para_end, begin + 160)
        verb = _VERB.search(self.text, begin, window_end)
        rtl = _RTL_VERB.search(self.text, begin, window_end)
        if verb is not None and (rtl is None or verb.start() <= rtl.start()):
            if verb.start() == begin:  # ", said Kirby", ", dijo a EFE un portavoz", ", sagte er"
                found, speaker = _subject_after(self.text, verb.end(), window_end)
                if found and speaker is None:
                    return self._last_named(self.sentences.span_at(begin))
                return speaker
            subject = self.text[begin : verb.start()]
            if any(ch in subject for ch in '.!?"“”'):
                return None
            head = subject.split(",")[0]
            found, speaker = _subject_before(self.text, begin + len(head.rstrip()), begin)
            if found and speaker is None:
                return self._last_named(self.sentences.span_at(begin))
            return speaker
        if rtl is not None and rtl.start() - begin < 3:
            return _phrase_after(self.text, rtl.end(), window_end, max_words=4)
        return None

    # -- reporting clauses ---------------------------------------------------------------

    def cues(self, sentence: tuple[int, int]) -> list[Cue]:
        """Return the reporting clauses of a sentence, in order."""
        cached = self._cues.get(sentence)
        if cached is not None:
            return cached
        start, end = sentence
        found: list[Cue] = []
        words = _cue_words().found(self.text[start:end])
        if words:
            if not _VERB_WORDS.isdisjoint(words):
                found += self._verb_cues(start, end, words)
            if not (_ACCORDING_WORDS.isdisjoint(words) and _ACCORDING_HINTS.isdisjoint(words)):
                found += self._according_cues(start, end)
            if not _RTL_WORDS.isdisjoint(words):
                found += self._rtl_cues(start, end, _RTL_WORDS.intersection(words))
            if not _POSTPOSITION_WORDS.isdisjoint(words):
                found += self._postposition_cues(start, end)
        has_colon = self.text.find(":", start, min(end, start + 62)) >= 0  # spares the regex
        colon = _COLON_QUOTE.match(self.text, start, end) if has_colon else None
        if colon is not None and not any(c.start < colon.end() for c in found):
            has_subject, speaker = _subject_before(self.text, colon.start(1), start)
            if has_subject and speaker is not None:  # "Gallant: “…”", "נתניהו: "…""
                found.append(Cue(start, colon.start(1), speaker))
        found.sort(key=lambda c: c.start)
        self._cues[sentence] = found
        return found

    def _matches(
        self, pattern: re.Pattern[str], starts: list[int], end: int
    ) -> Iterator[re.Match[str]]:
        """Yield what ``pattern.finditer(text, …, end)`` would, given every place a match can
        start (in order): the matches found there, left to right, without overlaps."""
        reached = 0
        for start in starts:
            if start < reached:
                continue
            found = pattern.match(self.text, start, end)
            if found is not None:
                reached = found.end()
                yield found

    def _verb_starts(self, start: int, end: int, words: set[str]) -> list[int]:
        """Where the words that can open a speech verb stand in ``text[start:end]``: each of
        the sentence's cue ``words`` that is one, and the auxiliaries when a participle is
        there ("a déclaré"), as whole words. Found with ``str.find``, not by tokenising."""
        starts = [at for word in words & _VERB_STARTS for at in self._whole(word, start, end)]
        for participle in words & _PARTICIPLE_WORDS:  # its auxiliary stands a few words before
            for at in self._whole(participle, start, end):
                floor = max(start, at - 120)
                starts += [a for aux in _AUXILIARIES for a in self._whole(aux, floor, at)]
        return sorted(set(starts))

    def _whole(self, word: str, start: int, end: int) -> list[int]:
        """Where ``word`` stands as a whole word in ``text[start:end]``."""
        text, found = self.text, []
        at = text.find(word, start, end)
        while at >= 0:
            after = at + len(word)
            if not (at > 0 and _is_word_char(text[at - 1])) and not (
                after < len(text) and _is_word_char(text[after])
            ):
                found.append(at)
            at = text.find(word, after, end)
        return found

    def _verb_cues(self, start: int, end: int, words: set[str]) -> list[Cue]:
        """Return the clauses on a speech verb in ``text[start:end]``, subject before or after."""
        found: list[Cue] = []
        starts = self._verb_starts(start, end, words)
        reach = self._reach(end)
        for verb in self._matches(_VERB, starts, end):
            if verb.start() > start and self.text[verb.start() - 1] == "-":
                continue
            if verb.group() in _VERBS_TR_SET:  # the subject opens the sentence, or ends it
                has_subject, speaker = _subject_before(self.text, verb.start(), start)
                if not (has_subject and speaker and "'" not in speaker and "’" not in speaker):
                    speaker = _turkish_subject(self.text, start, verb.start())
                if speaker is not None:
                    found.append(Cue(verb.start(), verb.end(), speaker))
                continue
            has_subject, speaker = _subject_before(self.text, verb.start(), start)
            if has_subject:
                found.append(Cue(verb.start(), verb.end(), speaker))
            elif self.text[start : verb.start()].rstrip().endswith(","):
                comma = self.text.rindex(",", start, verb.start())
                speaker = _subject_across_apposition(self.text, start, comma)
                if speaker is None and verb.group() not in _NO_INVERSION:
                    has_subject, speaker = _subject_after(self.text, verb.end(), reach)
                if has_subject or speaker is not None:
                    found.append(Cue(verb.start(), verb.end(), speaker))
            elif verb.group() not in _VERBS_EN_SET:  # "erklärte der Minister", "Lo ha detto X"
                has_subject, speaker = _subject_after(self.text, verb.end(), reach, inverted=True)
                if has_subject:
                    found.append(Cue(verb.start(), verb.end(), speaker))
        return found

    def _according_cues(self, start: int, end: int) -> list[Cue]:
        """Return the "according to …" clauses in ``text[start:end]``."""
        found: list[Cue] = []
        for cue in _ACCORDING.finditer(self.text, start, end):
            glued = cue.end() < end and cue.group()[-1].isalpha() and self.text[cue.end()].isalpha()
            if glued and not cue.group().endswith("ل"):  # "לדבריו": by his words
                if _ACCORDING_PRONOUN.match(self.text, cue.end(), end):
                    found.append(Cue(cue.start(), cue.end(), None))
                continue
            speaker = _phrase_after(self.text, cue.end(), end)
            if speaker is not None and speaker.lower() in _GENERIC_SOURCES:
                # "selon le média", "according to the paper": the one named before
                found.append(Cue(cue.start(), cue.end(), None))
            elif speaker is not None:
                found.append(Cue(cue.start(), cue.end(), speaker))
        return found

    def _postposition_cues(self, start: int, end: int) -> list[Cue]:
        """Return the sources named before a postposition: "Netanyahu'ya göre", "Filistin
        Büyükelçisi'nin yaptığı açıklamaya göre", "nach israelischen Angaben"."""
        text = self.text
        found: list[Cue] = []
        for cue in _GORE.finditer(text, start, end):
            words = list(_WORD.finditer(text, max(start, cue.start() - 120), cue.start()))
            if len(words) >= 2 and words[-1].group().lower() in _STATEMENT_TR:
                words.pop()
                if words[-1].group().lower() in _MADE_TR:
                    words.pop()
            run: list[re.Match[str]] = []
            for word in reversed(words):
                if not (word.group()[:1].isupper() or word.group().lower() in _TITLES):
                    break
                run.append(word)
            if run:
                last = run[0].group()
                cut = min((last.find(q) for q in "'’" if q in last), default=len(last))
                found.append(
                    Cue(cue.start(), cue.end(), text[run[-1].start() : run[0].start() + cut])
                )
        for cue in _ANGABEN.finditer(text, start, end):
            if cue.group(1) is not None and cue.group(1)[:1].islower():  # nach israelischen Angaben
                found.append(Cue(cue.start(), cue.end(), text[cue.start(1) : cue.end()]))
            elif cue.group(1) is None:  # nach Angaben des Militärs
                speaker = _phrase_after(text, cue.end(), end)
                if speaker is not None:
                    found.append(Cue(cue.start(), cue.end(), speaker))
        return found

    def _rtl_cues(self, start: int, end: int, words: Iterable[str]) -> list[Cue]:
        """Return the Arabic and Hebrew speech-verb clauses (subject after the verb).

        ``words`` are the verbs the sentence holds. A clause starts at the white space
        before its verb, or at the start of the text.
        """
        text = self.text
        starts: set[int] = set()
        for word in words:
            at = text.find(word, start, end)
            while at >= 0:
                starts.add(at)
                if at - 1 >= start:
                    starts.add(at - 1)
                at = text.find(word, at + 1, end)
        found: list[Cue] = []
        for verb in self._matches(_RTL_VERB, sorted(starts), end):
            name = verb.group().strip().rstrip(",،:")
            if name not in _RTL_RELAY and name[1:] not in _RTL_RELAY:
                resolve = partial(self._rtl_speaker, verb, start, end)
                found.append(Cue(verb.start(), verb.end(), resolve=resolve))
                continue
            # "نقلت صحيفة X عن Y": Y, or no clause (نقل also means "moved")
            source = _RTL_FROM.search(text, verb.end(), min(end, verb.end() + 60))
            if source is not None:
                speaker = _phrase_after(text, source.end(), end, max_words=6)
                found.append(Cue(verb.start(), verb.end(), speaker))
        return found

    def _rtl_speaker(self, verb: re.Match[str], start: int, end: int) -> str | None:
        """Return the subject of an Arabic or Hebrew speech verb, before or after it.

        None when it has none written (a pronoun: "وأضاف أن", "he added that").
        """
        text = self.text
        after = _skip_time_words(text, verb.end(), end)
        addressee = _RTL_ADDRESSEE.match(text, after, end)
        if addressee is not None and _RTL_THAT.match(text, addressee.end(), end):
            after = addressee.end()
        if _RTL_THAT.match(text, after, end):  # subject first: "נתניהו אמר כי"
            return _rtl_subject_before(text, verb.start(), start)
        _, clause = _rtl_clause_before(text, verb.start(), start)
        words = [w for w in clause.split() if w not in _RTL_SKIPPED]
        if words and _is_hebrew(verb.group().strip()):  # "מצרים הכחישה את"
            return _rtl_subject_before(text, verb.start(), start)
        # verb first: "אמר נתניהו", "وقال المتحدث باسم الجيش، فلان، إن"
        return _rtl_apposition(text, after, end) or _phrase_after(text, after, end, max_words=4)

    def _clause_speaker(self, sentence: tuple[int, int], offset: int) -> str | None:
        """Return the speaker of the reporting clause nearest before ``offset`` in its sentence,
        else the first after it; else one that names the sentence's speaker from the start of
        the next ("Lo ha dichiarato X"); else, on a hard-wrapped line, the last clause of the
        lines the sentence runs on from."""
        cues = self.cues(sentence)
        before = [c for c in cues if c.start < offset]
        if before:
            return self._resolve(before[-1], sentence)
        after = [c for c in cues if c.start >= offset]
        if after:
            return self._resolve(after[0], sentence)
        following = self._following_if_cataphoric(sentence)
        if following is not None:
            early = [c for c in self.cues(following) if c.start - following[0] < 40]
            if early:
                return self._resolve(early[0], following)
        current = sentence
        for _ in range(4):
            if not (current[0] > 0 and _wrapped(self.text, current[0] - 1)):
                break
            previous = self.sentences.previous(current)
            if previous is None:
                break
            if self.cues(previous):
                return self._resolve(self.cues(previous)[-1], previous)
            current = previous
        return None

    def _following_if_cataphoric(self, sentence: tuple[int, int]) -> tuple[int, int] | None:
        """The next sentence, when it opens by naming who said this one ("Lo ha dichiarato
        X"); looked at only after a cheap check of the words that follow."""
        text, at = self.text, sentence[1]
        limit = min(len(text), at + 40)
        while at < limit and (text[at].isspace() or text[at] in _CLOSING_MARKS):
            at += 1
        if not _CATAPHORA.match(text, at, min(len(text), at + 200)):
            return None
        following = self.sentences.following(sentence)
        if following is None or not _CATAPHORA.match(text, following[0], following[1]):
            return None
        return following

    def _reach(self, end: int) -> int:
        """Return where a phrase that starts before ``end``, a sentence's end, may run to:
        on into the next line when the line is only wrapped."""
        if end < len(self.text) and self.text[end] == "\n" and _wrapped(self.text, end):
            line_end = self.text.find("\n", end + 1, end + 201)
            return min(len(self.text), end + 200) if line_end < 0 else line_end
        return end

    def _resolve(self, cue: Cue, sentence: tuple[int, int]) -> str | None:
        return cue.speaker if cue.speaker is not None else self._last_named(sentence)

    def _last_named(self, sentence: tuple[int, int], depth: int = 6) -> str | None:
        """Return the last speaker named in this sentence or the few before it."""
        current: tuple[int, int] | None = sentence
        for _ in range(depth):
            if current is None:
                return None
            named = [c.speaker for c in self.cues(current) if c.speaker is not None]
            if named:
                return named[-1]
            current = self.sentences.previous(current)
        return None


def find_speaker(text: str, start: int, end: int) -> str | None:
    """Return the speaker of the words at ``text[start:end]``, or None for the article's voice."""
    return SpeakerFinder(text).speaker_at(start, end)
