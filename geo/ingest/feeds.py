"""Read RSS and Atom feeds into entries: link, title, date, byline and the entry's own text.

Parsing is feedparser's, on bytes already in hand (never a URL: fetching is
:mod:`geo.ingest.fetch`'s job). A feed with recoverable faults still gives its entries; a feed that
feedparser cannot make sense of and that has no entries is refused.

Before feedparser sees a feed, defusedxml reads it and a feed that declares XML entities is
refused: nested entities ("billion laughs") or one long entity used many times turn a few
kilobytes into gigabytes, and external ones reach files and URLs. Feeds have no use for them. A
feed too broken for defusedxml to read through is refused when it holds an entity declaration
anywhere, since feedparser's lenient parsers would still see it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import re
import xml.sax
from dataclasses import dataclass
from typing import Any

import defusedxml.sax
import feedparser
from defusedxml import EntitiesForbidden

FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
_FEED_ROOT = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*
    (?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>[]*(?:\[.*?\])?\s*>\s*)*
    <(?:[A-Za-z_][\w.-]*:)?(?:rss|feed|RDF)\b""",
    re.DOTALL | re.VERBOSE | re.IGNORECASE,
)
_EMAIL_NAME = re.compile(r"^\S+@\S+\s+\((?P<name>[^)]+)\)$")  # desk@x.example (Desk)
_NAME_EMAIL = re.compile(r"^(?P<name>[^<]+?)\s*<\S+@\S+>$")  # Desk <desk@x.example>
_SNIFF_BYTES = 4096
_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY\b", re.IGNORECASE)
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC, which feedparser also reads
_ENTITIES_REFUSED = "entity declarations can blow a small feed up to gigabytes or read files"
_BENIGN = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
"""feedparser's complaints about transport metadata, not about the feed."""


class FeedError(ValueError):
    """A feed could not be read; the message says what is wrong with it."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed, as the feed gives it."""

    title: str | None
    link: str | None
    """Absolute http(s) link to the article page, when the feed gives one."""
    published: dt.date | None
    """Publication (else update) date, in the feed's own time zone."""
    author: str | None
    content: str | None
    """The entry's own text (HTML or plain): its fullest content, else its summary."""


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its title (the publisher) and entries in feed order."""

    title: str | None
    entries: tuple[FeedEntry, ...]


def looks_like_feed(data: bytes) -> bool:
    """Tell whether bytes start like an RSS, RDF or Atom document."""
    head = data[:_SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            head = head.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return False
    return bool(_FEED_ROOT.match(head))


def parse_feed(data: bytes, *, url: str | None = None) -> Feed:
    """Parse an RSS or Atom feed.

    Parameters
    ----------
    data
        The feed document's bytes.
    url
        Where the feed came from; relative entry links are resolved against it.

    Raises
    ------
    FeedError
        When the bytes are not a feed, or are a feed too broken to give any entry.
    """
    refuse_entities(data)
    headers = {"content-location": url} if url else {}
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    broken = parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _BENIGN)
    if not parsed.entries and not parsed.get("version") and not looks_like_feed(data):
        raise FeedError("not an RSS or Atom feed")
    entries = tuple(entry for entry in map(_entry, parsed.entries) if _has_substance(entry))
    if not entries and broken:
        raise FeedError(f"broken feed: {_bozo_reason(parsed)}")
    return Feed(_clean(parsed.get("feed", {}).get("title")), entries)


def refuse_entities(data: bytes) -> None:
    """Raise FeedError when an XML document declares entities (internal, external or parameter).

    The document is read with defusedxml, which stops at the first entity declaration; one it
    cannot read through (not well-formed, an encoding expat lacks) is searched for a declaration.
    """
    try:  # an external DTD (RSS 0.91's) is never fetched: xml.sax leaves external entities alone
        defusedxml.sax.parseString(data, xml.sax.ContentHandler(), forbid_external=False)
    except EntitiesForbidden as error:
        raise FeedError(
            f"refused: the feed declares the XML entity {error.name!r}; {_ENTITIES_REFUSED}"
        ) from None
    except (xml.sax.SAXException, ValueError, LookupError):
        if _declares_entities(data):
            raise FeedError(
                f"refused: the feed declares XML entities; {_ENTITIES_REFUSED}"
            ) from None


def _declares_entities(data: bytes) -> bool:
    """Whether ``<!ENTITY`` occurs anywhere: in ASCII-based encodings, UTF-16/32 or EBCDIC."""
    if _ENTITY_DECLARATION.search(data) or _ENTITY_DECLARATION.search(data.replace(b"\0", b"")):
        return True
    if data.startswith(_EBCDIC_XML):
        return bool(_ENTITY_DECLARATION.search(data.decode("cp037").encode("utf-8")))
    return False


def _entry(raw: Any) -> FeedEntry:
    """Build a FeedEntry from one feedparser entry."""
    return FeedEntry(
        title=_clean(raw.get("title")),
        link=_link(raw),
        published=_date(raw),
        author=_author(raw),
        content=_content(raw),
    )


def _has_substance(entry: FeedEntry) -> bool:
    """Whether an entry has anything to read: a link, a title or text."""
    return bool(entry.link or entry.title or entry.content)


def _link(raw: Any) -> str | None:
    """The entry's page link, when it is an absolute http(s) URL."""
    link = _clean(raw.get("link"))
    if link and link.lower().startswith(("http://", "https://")):
        return link
    return None


def _date(raw: Any) -> dt.date | None:
    """The entry's date in its own time zone: parse the raw text, else take feedparser's UTC."""
    for key in ("published", "updated", "created"):
        text = _clean(raw.get(key))
        if not text:
            continue
        day = _local_date(text)
        if day is not None:
            return day
        parsed = raw.get(f"{key}_parsed")
        if parsed:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


def _local_date(text: str) -> dt.date | None:
    """Parse an RFC 822 (RSS) or ISO 8601 (Atom) date as written, keeping its time zone's day."""
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _author(raw: Any) -> str | None:
    """The entry's byline: the author's name, without an e-mail address."""
    detail = raw.get("author_detail") or {}
    name = _clean(raw.get("author")) or _clean(detail.get("name"))
    if not name:
        return None
    match = _EMAIL_NAME.match(name) or _NAME_EMAIL.match(name)
    if match:
        return match.group("name").strip()
    return None if "@" in name and " " not in name else name


def _content(raw: Any) -> str | None:
    """The fullest text the entry carries: its longest content block, else its summary."""
    blocks = [_clean(block.get("value")) for block in raw.get("content") or []]
    blocks.append(_clean(raw.get("summary")))
    texts = [block for block in blocks if block]
    return max(texts, key=len) if texts else None


def _clean(value: object) -> str | None:
    """A stripped string, or None for anything empty or not a string."""
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _bozo_reason(parsed: Any) -> str:
    """What feedparser found wrong with a document, in one line."""
    error = parsed.get("bozo_exception")
    text = str(error).strip() if error is not None else ""
    return " ".join(text.split()) or "not well-formed"
