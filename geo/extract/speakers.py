"""Who said it: the speaker a sentence attributes its words or position to.

Rules, in order, for a mention at some offset:

1. Inside a quotation: the speaker named right after the quote (``"…," Kirby said``,
   ``"…", sagte der Insider``), else the one that introduces it in the same sentence
   (``Hamas said the "…"``), else one named at the start of the next sentence.
2. Otherwise the nearest reporting clause before the mention in its sentence
   (``Egypt has insisted that…``, ``according to Egyptian officials``), else the first after it
   (``…, the army said``).

A pronoun subject (``he said``, ``it said``) resolves to the last named speaker in the
sentences before. Speakers are returned as written; None means the article's own voice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from geo.extract.matcher import LiteralSet
from geo.extract.sentences import SentenceIndex
from geo.extract.textnorm import word_set

_SPEECH_VERBS_EN = (
    "said|says|say|told|tells|stated|states|added|adds|insisted|insists|claimed|claims|"
    "demanded|demands|announced|announces|warned|warns|stressed|stresses|noted|notes|argued|"
    "argues|confirmed|confirms|denied|denies|declared|declares|urged|urges|wrote|writes|"
    "explained|explains|vowed|vows|asserted|asserts|reported|reports|accused|accuses|"
    "acknowledged|acknowledges|emphasized|emphasised|reiterated|reiterates|alleged|alleges|"
    "maintained|maintains|proposed|proposes|rejected|rejects|refused|refuses|spoke|called"
)
# French, Italian, German (subject before or after the verb); French and Italian compound
# tenses are an auxiliary ("a", "ha") and a participle.
_PARTICIPLES_FR = "déclaré|dit|affirmé|indiqué|annoncé|assuré|souligné|ajouté|estimé|insisté"
_PARTICIPLES_IT = "detto|dichiarato|affermato|annunciato|spiegato|aggiunto|sostenuto"
_VERBS_FR = "déclare|affirme|indique|annonce|souligne|ajoute|estime"
_VERBS_IT = "dice|dichiara|afferma|spiega"
_VERBS_DE = "sagte|sagt|erklärte|erklärt|betonte|betont|teilte|forderte|fordert"
# German perfect tenses put the participle at the clause's end: „…", hatte der Sprecher
# mitgeteilt; the auxiliary starts the clause when such a participle follows before the end.
_PARTICIPLES_DE = "gesagt|erklärt|mitgeteilt|betont|gefordert|angekündigt|bekräftigt"
_AUXILIARY_DE = rf"(?:hat|hatte|haben|hatten)(?=\s[^.!?;]{{0,100}}?\b(?:{_PARTICIPLES_DE})\b)"
# Spanish (subject before or after the verb; "ha dicho" like Italian) and Turkish (the verb
# ends the clause; "ifade etti" is a noun and "etti", started by the noun like an auxiliary).
_VERBS_ES = (
    "dijo|afirmó|declaró|señaló|aseguró|indicó|añadió|explicó|advirtió|anunció|subrayó|"
    "insistió|reiteró|afirma|declara|señala|asegura|indica|añade|explica|advierte"
)
_PARTICIPLES_ES = "dicho|afirmado|declarado|señalado|asegurado|indicado|añadido|explicado"
_VERBS_TR = "dedi|söyledi|açıkladı|belirtti|kaydetti|bildirdi|vurguladı"
_COMPOUND_TR = r"ifade\s+etti"
_SPEECH_VERBS_OTHER = (
    rf"a\s+(?:{_PARTICIPLES_FR})|{_VERBS_FR}|ha\s+(?:{_PARTICIPLES_IT})|{_VERBS_IT}|{_VERBS_DE}"
    rf"|{_AUXILIARY_DE}|ha\s+(?:{_PARTICIPLES_ES})|{_VERBS_ES}|{_VERBS_TR}"
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
_ACCORDING = re.compile(
    rf"\b(?i:{'|'.join(_ACCORDING_LATIN)})\s+|(?:{'|'.join(_ACCORDING_RTL)})\s*"
)
_RTL_VERBS = (
    "قال|قالت|أكد|أكدت|اكد|أعلن|أعلنت|اعلن|صرح|أضاف|أضافت|اضاف|"
    "אמר|אמרה|מסר|מסרה|הודיע|הודיעה|הבהיר|הבהירה"
)
_RTL_VERB = re.compile(rf"(?:^|\s)(?:و|ف)?(?:{_RTL_VERBS})\s+")
# A sentence holds a reporting clause only if it holds one of its words: a speech verb or
# participle (_VERB_WORDS), "according to" (_ACCORDING_WORDS, _ACCORDING_HINTS for Arabic and
# Hebrew, where the words may be attached), an Arabic or Hebrew verb (_RTL_WORDS). A speech
# verb's clause starts at one of the _VERB_STARTS words (the verb, or the auxiliary of a
# compound tense), an Arabic or Hebrew one just before its verb.
_TOKEN = re.compile(r"\w+")
_AUXILIARIES = frozenset({"a", "ha", "hat", "hatte", "haben", "hatten", "ifade"})
_VERB_LISTS = (_SPEECH_VERBS_EN, _VERBS_FR, _VERBS_IT, _VERBS_DE, _VERBS_ES, _VERBS_TR)
_VERB_STARTS = frozenset("|".join(_VERB_LISTS).split("|")) | _AUXILIARIES
_VERB_WORDS = (_VERB_STARTS - _AUXILIARIES) | frozenset(
    f"{_PARTICIPLES_FR}|{_PARTICIPLES_IT}|{_PARTICIPLES_DE}|{_PARTICIPLES_ES}|ifade etti".split("|")
)
_ACCORDING_WORDS = frozenset(
    form
    for word in ("according", "selon", "après", "secondo", "laut", "zufolge", "según", "acuerdo")
    for form in (word, word.capitalize())  # "According to …" opens many a sentence
)
_ACCORDING_HINTS = frozenset({"وفق", "حسب", "نقلا عن", "לדברי", "לפי", "על פי"})
_RTL_WORDS = frozenset(p + verb for verb in _RTL_VERBS.split("|") for p in ("", "و", "ف"))


@cache
def _cue_words() -> LiteralSet:
    """Return the words a reporting clause needs, to look for all at once."""
    return LiteralSet(_VERB_WORDS | _ACCORDING_WORDS | _ACCORDING_HINTS | _RTL_WORDS)


_QUOTES = {"“": "”", "«": "»", "„": "“", '"': '"'}
_QUOTE_SPAN = re.compile(r"“[^“”\n]*”|«[^«»\n]*»|„[^„“\n]*“|\"[^\"\n]*\"")

_PRONOUNS = word_set(
    "he she it they we i il elle ils elles lui lei loro er sie es wir هو هي هم הוא היא הם"
)
_DETERMINERS = word_set(
    "the a an le la les l' un une il lo gli i uno una der die das den dem ein eine "
    "einer einem einen"
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
    """
)
# Lower-case words that may stand inside a speaker's noun phrase: office words that qualify
# a title ("defence minister", «haut responsable»), and adjectives of nationality, told by
# their stem («responsables égyptiens», "fonti egiziane", "israelischer Militärvertreter").
_MODIFIERS = word_set(
    """
    defence defense foreign prime interior deputy senior former top security national
    haut hauts haute hautes ancien ancienne alto alti alta alte ex hochrangiger hochrangige
    ehemalige ehemaliger
    """
)
_NATIONALITY_STEMS = tuple(
    word_set(
        """
    égypt egypt egizi ägypt isra palestin palästin améric americ amerik qatar katar iran turc
    turch türk jordan giordan liban syri siri saoud saudi émir emir britan brit franç frances
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
_RTL_STOP = frozenset({"إن", "ان", "أن", "إنه", "انه", "أنه", "כי", "ש", "إلى", "على"})


@dataclass(frozen=True, slots=True)
class Cue:
    """A reporting clause: where it sits and the speaker it names (None for a pronoun)."""

    start: int
    end: int
    speaker: str | None


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


def _subject_before(text: str, verb_start: int, floor: int) -> tuple[bool, str | None]:
    """Return (found, speaker) for the subject written just before a speech verb.

    ``found`` is False when no subject stands there; a pronoun subject gives (True, None).
    Walking back from the verb, the phrase takes names, titles, their modifiers and the
    connectors between them; a determiner ends it unless a connector stands before it
    («de la», "of the").
    """
    words = [(m.group(), m.start()) for m in _WORD.finditer(text, floor, verb_start)]
    i = len(words) - 1
    while i >= 0 and words[i][0].lower() in _SKIP_BEFORE_VERB:
        i -= 1
    if i < 0:
        return False, None
    if words[i][0].lower() in _PRONOUNS:
        return True, None
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
    if not phrase:
        return False, None
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
    if first is None or first.group().lower() not in _APPOSITION_OPENERS:
        return None
    found, speaker = _subject_before(text, opening, floor)
    return speaker if found else None


_RTL_TIME_WORDS = word_set(
    "אתמול היום הבוקר הערב הלילה השבוע בשבוע ביום בהודעה اليوم أمس امس الاثنين الثلاثاء "
    "الأربعاء الخميس الجمعة السبت الأحد مساء صباح"
)
_RTL_THAT = re.compile(r"\s*(?:(?:כי|:|إن|أن|ان|إنه|أنه|انه)(?:\s|$)|ש(?=\w))")
_RTL_CLAUSE_BREAK = re.compile(r"[,.;:!?\"“”״«»()،؛\n]")


def _skip_time_words(text: str, start: int, limit: int) -> int:
    """Return where the words after a verb go on, past "yesterday", "today"… (up to two)."""
    at = start
    for _ in range(2):
        match = _WORD.match(text, at, limit)
        if match is None or match.group() not in _RTL_TIME_WORDS:
            break
        at = _LEAD.match(text, match.end(), limit).end()  # type: ignore[union-attr]
    return at


def _rtl_subject_before(text: str, verb_start: int, floor: int, max_words: int = 3) -> str | None:
    """The subject before an Arabic or Hebrew verb (subject–verb order): up to three words,
    back to the clause's start (a comma, a quote, the sentence's start)."""
    begin = max(floor, verb_start - 80)
    clause = text[begin:verb_start]
    breaks = list(_RTL_CLAUSE_BREAK.finditer(clause))
    if breaks:
        begin += breaks[-1].end()
        clause = text[begin:verb_start]
    words = clause.split()[-max_words:]
    return " ".join(words) if words else None


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
            if words and _role(words[-1][0]) != "connector":
                break
        elif role == "other":
            break
        words.append((word, match.start()))
        if len(words) >= max_words:
            break
    phrase = _trim(words)
    return _span_of(text, phrase) if phrase else None


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
            return self._quote_speaker(quote, sentence)
        return self._clause_speaker(sentence, start)

    # -- quotations ---------------------------------------------------------------------

    def _quote_around(self, start: int, end: int) -> tuple[int, int] | None:
        if not self._quoted:
            return None
        para_start = self.text.rfind("\n", 0, start) + 1
        if all(self.text.find(mark, para_start, start) < 0 for mark in _QUOTES):
            return None
        para_end = self.text.find("\n", end)
        para_end = len(self.text) if para_end < 0 else para_end
        for match in _QUOTE_SPAN.finditer(self.text, para_start, para_end):
            if match.start() < start and end < match.end():
                return match.start(), match.end()
            if match.start() > start:
                break
        return None

    def _quote_speaker(self, quote: tuple[int, int], sentence: tuple[int, int]) -> str | None:
        after = self._cue_after_quote(quote[1])
        if after is not None:
            return after
        opening = self.sentences.span_at(quote[0])
        before = [c for c in self.cues(opening) if c.end <= quote[0] + 1]
        if before:
            return self._resolve(before[-1], opening)
        following = self.sentences.following(sentence)
        if following is not None and self.text[sentence[1] - 1] in '"”»“':
            early = [c for c in self.cues(following) if c.start - following[0] < 60]
            if early:
                return self._resolve(early[0], following)
        return None

    def _cue_after_quote(self, quote_end: int) -> str | None:
        """Return the speaker of ``", Kirby said"`` / ``", said Kirby"`` after a quote."""
        para_end = self.text.find("\n", quote_end)
        para_end = len(self.text) if para_end < 0 else para_end
        lead = _LEAD.match(self.text, quote_end)
        begin = lead.end() if lead else quote_end
        if begin == quote_end and self.text[quote_end - 2 : quote_end - 1] not in ",.?!":
            return None
        window_end = min(para_end, begin + 160)
        verb = _VERB.search(self.text, begin, window_end)
        rtl = _RTL_VERB.search(self.text, begin, window_end)
        if verb is not None and (rtl is None or verb.start() <= rtl.start()):
            if verb.start() == begin:
                return _phrase_after(self.text, verb.end(), window_end)
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
                found += self._verb_cues(start, end)
            if not (_ACCORDING_WORDS.isdisjoint(words) and _ACCORDING_HINTS.isdisjoint(words)):
                found += self._according_cues(start, end)
            if not _RTL_WORDS.isdisjoint(words):
                found += self._rtl_cues(start, end, _RTL_WORDS.intersection(words))
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

    def _verb_cues(self, start: int, end: int) -> list[Cue]:
        """Return the clauses on a speech verb in ``text[start:end]``, subject before or after."""
        found: list[Cue] = []
        starts = [
            w.start() for w in _TOKEN.finditer(self.text, start, end) if w.group() in _VERB_STARTS
        ]
        for verb in self._matches(_VERB, starts, end):
            if verb.start() > start and self.text[verb.start() - 1] == "-":
                continue
            has_subject, speaker = _subject_before(self.text, verb.start(), start)
            if has_subject:
                found.append(Cue(verb.start(), verb.end(), speaker))
            elif self.text[start : verb.start()].rstrip().endswith(","):
                comma = self.text.rindex(",", start, verb.start())
                speaker = _subject_across_apposition(self.text, start, comma)
                if speaker is None and verb.group() not in _NO_INVERSION:
                    speaker = _phrase_after(self.text, verb.end(), end)
                if speaker is not None:
                    found.append(Cue(verb.start(), verb.end(), speaker))
        return found

    def _according_cues(self, start: int, end: int) -> list[Cue]:
        """Return the "according to …" clauses in ``text[start:end]``."""
        found: list[Cue] = []
        for cue in _ACCORDING.finditer(self.text, start, end):
            speaker = _phrase_after(self.text, cue.end(), end)
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
                if at <= 1 and start == 0:
                    starts.add(0)
                if at - 1 >= start:
                    starts.add(at - 1)
                at = text.find(word, at + 1, end)
        found: list[Cue] = []
        for verb in self._matches(_RTL_VERB, sorted(starts), end):
            after = _skip_time_words(text, verb.end(), end)
            if _RTL_THAT.match(text, after, end):  # "נתניהו אמר כי", "نتنياهو قال إن"
                speaker = _rtl_subject_before(text, verb.start(), start)
            else:  # "אמר נתניהו", "وقال نتنياهو إن"
                speaker = _phrase_after(text, after, end, max_words=4)
            if speaker is not None:
                found.append(Cue(verb.start(), verb.end(), speaker))
        return found

    def _clause_speaker(self, sentence: tuple[int, int], offset: int) -> str | None:
        cues = self.cues(sentence)
        before = [c for c in cues if c.start < offset]
        if before:
            return self._resolve(before[-1], sentence)
        after = [c for c in cues if c.start >= offset]
        if after:
            return self._resolve(after[0], sentence)
        return None

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
