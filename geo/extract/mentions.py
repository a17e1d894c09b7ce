"""Find mentions of contested locations in an article: names, bare names, and references back.

Pure: text and gazetteer in, :class:`geo.model.Mention` list out. One scan of the text
(:class:`~geo.extract.matcher.PhraseAutomaton`: case and letter variants are handled by the
matcher, so the text is folded only where it holds diacritics) finds three kinds of phrase:

* **names** — the layer aliases, plus each name core with its kind's type words in every
  language ("Rafah" + "border terminal", "poste de" + "Rafah"), never colliding with another
  location's alias;
* **bare names** — a crossing's name without its type word ("Rafah", "Kerem Shalom"), kept only
  where the sentence is about a crossing and the name is not marked as a town;
* **references back** — a definite or demonstrative phrase on a kind's type word ("the
  corridor", «ce poste-frontière», "المعبر", "הציר"), resolved to the most recent location of
  that kind named in the article.

Type words, traps, sentences and speakers are worked out only around the hits (a few dozen
characters folded per hit, one sentence per mention), so the cost stays linear in the text.
"""

from __future__ import annotations

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
from geo.model import Alias, Mention

# -- language rules -----------------------------------------------------------------------

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
        ),
        "arabic": ("محور", "ممر"),
        "hebrew": ("ציר", "מסדרון"),
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
            "terminal frontalier",
            "valico",
            "valico di frontiera",
            "valico di confine",
            "varco",
            "grenzübergang",
            "übergang",
            "grenzposten",
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
        "valico di frontiera",
        "valico di confine",
        "varco",
        "grenzposten",
        "jonction",
        "svincolo",
        "bivio",
        "מעבר הגבול",
    }
)
_INFLECTED = {"korridor": ("korridors",), "grenzübergang": ("grenzübergangs",)}


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
# German determiners: German capitalises nouns, so a capitalised next word is no name there.
_GERMAN_DETERMINERS = word_set("der die den dem des dieser diesen diesem dieses im vom zum am")
# After a reference back, these words make it a description of something else
# ("the corridor of X", «le couloir de Y»).
_NAME_FOLLOWS = re.compile(r"\s*(?:of|de|d'|du|des|di|del|della|dei|von)\b|\s*\d")
# Arabic copula before a definite noun: a predicate ("X هو المحور الفاصل"), not a reference.
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
)
# Folded as the text around a name is (ة is read as ه there).
_TRAP_BEFORE_RTL = tuple(
    fold_same_length(word) for word in ("مستوطنة", "كيبوتس", "קיבוץ", "מושב", "היישוב", "התנחלות")
)
_TRAP_BEFORE = re.compile(
    rf"(?:\b(?:{'|'.join(_TRAP_BEFORE_LATIN)})|(?:{'|'.join(_TRAP_BEFORE_RTL)}))\s*$"
)
_TRAP_BEFORE_WORDS = _TRAP_BEFORE_LATIN + _TRAP_BEFORE_RTL
_TRAP_AFTER = re.compile(
    r"^\s*(?:road|street|highway|settlement|kibbutz|strasse|straße|rue|\(pennsylvania"
    r"|pennsylvania|pa\b|שכונת)|^\s*,\s*(?:pennsylvania|pa\b)"
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
    ",",
)

# Bare crossing names: marked as a town before or after, or a crossing sentence.
_TOWN_BEFORE = re.compile(
    r"(?:\b(?:city|town|governorate|province|district|area|camp|village|neighbou?rhood|"
    r"outskirts|eastern|western|northern|southern|central|east|west|north|south|downtown|"
    r"ville|città|cittadina|stadt|gebiet|region|région|regione|kibbutz|moshav|near|"
    r"di|de|of)\s+(?:\w+\s+)?"
    r"|(?:مدينه|محافظه|بلده|مخيم|منطقه|شرق|غرب|شمال|جنوب)\s*"
    r"|(?:עיר|העיר|קיבוץ|אזור|מחנה|ביישוב)\s*)$"
)
_TOWN_AFTER = re.compile(
    r"^(?:'s\b|\s+(?:city|town|governorate|province|district|area|camp|residents|refugee|"
    r"offensive|operation)\b|\s*(?:سيناء|فلسطين|المصريه|الفلسطينيه|الجديده)"
    r"|\s*(?:המצרית|הפלסטינית))"
)
_CROSSING_CUES = re.compile(
    r"\b(?:re)?open(?:s|ed|ing)?\b|\b(?:re)?clos(?:e|es|ed|ing|ure)\b(?!\s+in\b)|\bshut\b"
    r"|\bpassage\b|\bcross(?:es|ed|ing)?\s+(?:through|into|via)\b|\btravell?ers\b"
    r"|\bborder\s+(?:point|post)\b|\bcrossing\s+point\b|\bevacuees?\b"
    r"|\b(?:r[ée])?ouver(?:t|te|ts|tes|ture)\b|\bferm(?:é|ée|és|ées|eture)\b|\bvoyageurs\b"
    r"|\b(?:ri)?apert[oai]\b|\b(?:ri)?apertura\b|\bchius[oai]\b|\bchiusura\b|\bpassaggio\b"
    r"|\bgeöffnet\b|\böffnung\b|\bgeschlossen\b|\bschließung\b|\bwiedereröffnung\b"
    r"|فتح|افتتاح|اغلاق|اغلق|مغلق|(?<!م)عبور|المسافرين|المعابر"
    r"|נפתח|פתיחת|נסגר|סגירת|מעברי"
)
_VIA_BEFORE = re.compile(
    r"(?:\b(?:through|via|par|attraverso|über|from)\s+|(?:عبر|من)\s+|(?:דרך)\s+)$"
)


class GazetteerLike(Protocol):
    """What the extractor needs from a gazetteer: aliases and the kind of each location."""

    @property
    def aliases(self) -> tuple[Alias, ...]: ...

    def kind_of(self, location_id: str) -> str: ...


Role = Literal["name", "core", "anaphor"]


@dataclass(frozen=True, slots=True)
class Pattern:
    """What a phrase in the automaton stands for: a location (name, bare) or a kind (anaphor)."""

    role: Role
    target: str
    determiner: str = ""
    bare: bool = False


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


# Words between a type word and a name after it, in the "before" regex ("poste de Rafah").
_TYPE_CONNECTORS = (" de", " di", " del", " von", " of")


@dataclass(frozen=True, slots=True)
class _TypeWords:
    """A kind's type words as regexes for folded text, with the endings they need.

    ``after`` matches a type word right after a name core; ``before`` one right before it,
    with a connector ("poste de", "valico di", "crossing of"), its start in group ``type``.
    The checks :meth:`may_follow` and :meth:`may_precede` spare most regex searches.
    """

    after: re.Pattern[str]
    before: re.Pattern[str]
    words: tuple[str, ...]

    def may_follow(self, text: str) -> bool:
        """Return False when ``after`` cannot match ``text`` (a space and a type word)."""
        return text.startswith(" ") and text.startswith(self.words, 1)

    def may_precede(self, text: str) -> bool:
        """Return False when ``before`` cannot match ``text`` (a type word, then the end)."""
        end = len(text) - 1 if text.endswith("\n") else len(text)  # ``$`` matches before it
        if text.endswith(" ", 0, end):
            return text.endswith(self.words, 0, end - 1) or text.endswith(
                _TYPE_CONNECTORS, 0, end - 1
            )
        return text.endswith(" d'", 0, end)


def _type_words(kind: str) -> _TypeWords:
    """Return the type-word matchers of ``kind`` (none match for a kind without type words)."""
    words = sorted(
        {w for script in TYPE_WORDS.get(kind, {}).values() for w in script}, key=len, reverse=True
    )
    alternatives = "|".join(re.escape(w) for w in words) or "(?!)"
    connectors = "|".join(c.strip() for c in _TYPE_CONNECTORS)
    return _TypeWords(
        after=re.compile(rf" (?:{alternatives})(?!\w)"),
        before=re.compile(
            rf"(?<!\w)(?:[وفبلك]{{0,2}}|[בהולמשכ]{{0,2}})(?P<type>{alternatives})"
            rf"(?: (?:{connectors}))? $|(?<!\w)(?P<elided>{alternatives}) d'$"
        ),
        words=tuple(words),
    )


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
        """Return every phrase to search for: names, name cores, then references back."""
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
            cores[core] = Pattern("core", pattern.target, bare=kind == "crossing")
        anaphors = [
            (phrase, Pattern("anaphor", kind, det))
            for kind in sorted(set(self.kinds.values()))
            for phrase, det in _anaphor_phrases(kind)
            if phrase not in owner
        ]
        return names + list(cores.items()) + anaphors

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
        names: list[tuple[Hit[Pattern], str, str]] = []
        anaphors: list[Hit[Pattern]] = []
        for hit in hits:
            if hit.payload.role == "anaphor":
                anaphors.append(hit)
            else:
                named = self._with_type_word(hit)
                if named is not None:
                    names.append(named)
        kept = self._leftmost_kept_names(names)
        taken = [(h.start, h.end) for h in kept]
        anaphors = [
            h
            for h in leftmost_longest(anaphors)
            if not any(h.start < e and s < h.end for s, e in taken)
        ]
        last_of_kind: dict[str, str] = {}
        last_end: dict[str, int] = {}
        found: list[Mention] = []
        for hit in sorted(kept + anaphors, key=lambda h: h.start):
            if hit.payload.role == "anaphor":
                location = self._antecedent(hit, last_of_kind, last_end)
                if location is None:
                    continue
                found.append(self._mention(hit, location, "anaphoric"))
            else:
                location = hit.payload.target
                kind = self.kinds[location]
                last_of_kind[kind] = location
                found.append(self._mention(hit, location, "explicit"))
            last_end[location] = hit.end
        return found

    def window(self, start: int, end: int) -> str:
        """Return the searched text from ``start`` to ``end``, folded."""
        return fold_same_length(self.searched[max(0, start) : end])

    def _with_type_word(self, hit: Hit[Pattern]) -> tuple[Hit[Pattern], str, str] | None:
        """Extend a name core over an adjacent type word ("Rafah" + " border terminal").

        Names extend too ("Karem Abu Salem" + " gate"). Returns the extended hit as a name,
        a name or a core that may stand bare as it is, or None; with the folded text of up to
        30 characters before and after it.
        """
        start, end = hit.start, hit.end
        searched = self.searched
        words = self.type_words[self.kinds[hit.payload.target]]
        low = max(0, start - 40)
        around = fold_same_length(searched[low : end + 40])
        before, after = around[: start - low], around[end - low :]
        if words.may_follow(after):
            following = words.after.match(after)
            if following is not None:
                end += following.end()
        if words.may_precede(before):
            preceding = words.before.search(before)
            if preceding is not None:
                start = start - len(before) + preceding.start(preceding.lastgroup or "type")
        if (start, end) == (hit.start, hit.end):
            if hit.payload.role == "name" or hit.payload.bare:
                return hit, before[-30:], after[:30]
            return None
        return (
            Hit(start, end, Pattern("name", hit.payload.target)),
            self.window(start - 30, start),
            self.window(end, end + 30),
        )

    def _leftmost_kept_names(
        self, names: list[tuple[Hit[Pattern], str, str]]
    ) -> list[Hit[Pattern]]:
        """Return the longest name at each start, left to right, that overlaps no kept one.

        Only names that are not overlapped are judged (:meth:`_keeps_name`).
        """
        kept: list[Hit[Pattern]] = []
        covered = 0
        for hit, before, after in sorted(names, key=lambda n: (n[0].start, -n[0].end)):
            if hit.start >= covered and self._keeps_name(hit, before, after):
                kept.append(hit)
                covered = hit.end
        return kept

    def _keeps_name(self, hit: Hit[Pattern], before: str, after: str) -> bool:
        """Return False for a name in a trap (a kibbutz, a road) or a bare name for the town.

        ``before`` and ``after`` are the folded text of up to 30 characters around the name.
        """
        if before.rstrip().endswith(_TRAP_BEFORE_WORDS) and _TRAP_BEFORE.search(before):
            return False
        if after.lstrip().startswith(_TRAP_AFTER_STARTS) and _TRAP_AFTER.search(after):
            return False
        if hit.payload.role == "core":
            return self._bare_is_crossing(hit, before, after)
        return True

    def _bare_is_crossing(self, hit: Hit[Pattern], before: str, after: str) -> bool:
        """Return True when a bare crossing name stands for the crossing, not the town."""
        if _TOWN_BEFORE.search(before) or _TOWN_AFTER.search(after):
            return False
        if _VIA_BEFORE.search(before):
            return True
        start, _ = self.span(hit.start, hit.end)
        sentence = fold(self.text[slice(*self.sentences.span_at(start))]).text
        return _CROSSING_CUES.search(sentence) is not None

    def _antecedent(
        self, hit: Hit[Pattern], last_of_kind: dict[str, str], last_end: dict[str, int]
    ) -> str | None:
        """Return the location a reference back points to, or None when it points nowhere."""
        location = last_of_kind.get(hit.payload.target)
        if location is None or hit.start - last_end[location] > ANAPHOR_WINDOW:
            return None
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
        return location

    def _mention(
        self, hit: Hit[Pattern], location: str, kind: Literal["explicit", "anaphoric"]
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
        )


def extract_mentions(text: str, gazetteer: GazetteerLike) -> list[Mention]:
    """Return the mentions of ``gazetteer``'s contested locations in ``text``."""
    return Extractor.from_gazetteer(gazetteer).extract(text)
