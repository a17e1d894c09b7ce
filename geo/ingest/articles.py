"""Read news articles from text, Markdown and HTML into :class:`~geo.model.Article` records.

The stored text is the cleaned text exactly: newlines normalised to ``\\n``, outer whitespace
trimmed, trailing page boilerplate and a closing agency tag line removed. Mention offsets index it.

Bytes are text only as UTF-8 (with or without a BOM), UTF-16 with a BOM, or the charset declared
for them (an HTTP header, an HTML ``<meta>``); nothing is guessed, and anything else is refused
naming the first bad byte's offset. Every article, however it came, passes the same caps: a title
of at most :data:`MAX_TITLE_CHARS` characters and a text of at most :data:`MAX_TEXT_BYTES`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from geo.model import Article

MAX_TEXT_BYTES = 5 * 1024 * 1024
"""Largest article text accepted, in UTF-8 bytes."""
MAX_HTML_BYTES = 4 * MAX_TEXT_BYTES
"""Largest HTML file accepted: markup outweighs the text it carries."""
MAX_TITLE_CHARS = 1_000
"""Longest title accepted (given, or from a page or feed): a headline, not a text."""
TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
DERIVED_TITLE_CHARS = 90
"""Longest title made from an article's text (its first clause, else its first words)."""

AGENCIES: dict[str, str] = {
    name.casefold(): name
    for name in (
        "AA",
        "AFP",
        "AP",
        "ANSA",
        "APA",
        "Anadolu",
        "Anadolu Agency",
        "dpa",
        "EFE",
        "IRNA",
        "KUNA",
        "MENA",
        "QNA",
        "Reuters",
        "SANA",
        "TASS",
        "UPI",
        "WAFA",
        "Xinhua",
    )
}
"""News agencies whose closing tag line names the article's source: casefolded → canonical."""

_AGENCY_NAME = "|".join(
    re.escape(form)
    for name in sorted(AGENCIES.values(), key=len, reverse=True)
    for form in dict.fromkeys((name, name.upper()))
)
_AGENCY_LINE = re.compile(
    rf"[\s(\[—–-]*(?P<tags>(?:{_AGENCY_NAME})(?:\s*[/,&]\s*(?:{_AGENCY_NAME}))*)[\s)\].]*"
)
_BOILERPLATE_LINE = re.compile(
    r"""(?:
        comments?\s+about\s+this\s+(?:article|story|news)
      | please\s+fill\s+(?:in\s+)?(?:all\s+)?the\s+(?:fields|form)\s+below\.?
      | (?:share|email|print)\s+(?:this|the)\s+(?:article|story|page|news)\b.*
      | share\s+(?:on|via|to)\s+\S+.*
      | (?:click|tap)\s+here\s+to\s+(?:share|comment|subscribe)\b.*
      | leave\s+a\s+(?:comment|reply)\.?
      | \d*\s*comments?
      | (?:follow|join)\s+us\s+on\b.*
      | subscribe\s+to\s+our\s+newsletter\b.*
      | anadolu\s+agency\s+website\s+contains\s+only\s+a\s+portion\b.*
      | share|tweet|facebook|twitter|whatsapp|telegram|linkedin|e-?mail|print
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Office document"),
    (b"\x7fELF", "executable"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_DOCUMENT_TAG = re.compile(r"<(?:!doctype|html|body)\b", re.IGNORECASE)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
_HEBREW = re.compile(r"[\u0590-\u05ff\ufb1d-\ufb4f]")
_LETTER = re.compile(r"[^\W\d_]")
_EDGE_PUNCTUATION = string.punctuation + "«»“”‘’„…—–"
_STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to is that said with for was on are it by from has have this which were",
        "fr": "le les des et est une dans que qui pour du pas sur au ont été avec ce",
        "it": "lo gli della delle che non è una sono con nel alla dei anche ha",
        "de": "der die das und ist nicht mit den dem ein eine sich auf zu von im wurde",
        "tr": "ve bir bu ile için olarak dedi ancak göre ise daha kadar sonra olan",
        "es": "el los las del por una con para según dijo sus fue ha sido entre",
    }.items()
}
_SCRIPT_SHARE = 0.3
_LABEL_CHARS = 80
_LANG_SAMPLE_CHARS = 2_000


class ArticleError(ValueError):
    """An article could not be read: the message names the item and the problem.

    ``item`` names what was read (a path, URL or label) and ``problem`` says what is wrong with
    it, so a caller that names the item itself can print the problem alone.
    """

    def __init__(self, item: str, problem: str) -> None:
        super().__init__(f"{item!r}: {problem}")
        self.item = item
        self.problem = problem


def article_from_text(
    text: str,
    *,
    title: str | None = None,
    source: str | None = None,
    published: dt.date | str | None = None,
    url: str | None = None,
    lang: str | None = None,
) -> Article:
    """Build an article from its plain text, cleaning page boilerplate off its end.

    Parameters
    ----------
    text
        The article text as read; trailing boilerplate and a closing agency tag are removed.
    title, source, published, url, lang
        Metadata; a missing title comes from the first line, a missing source from a closing
        agency tag line ("AA", "AFP", ...), a missing language from the script and stop words.
        ``published`` may be a date or an ISO ``YYYY-MM-DD`` string.

    Raises
    ------
    ArticleError
        For empty, oversize or binary text, or a malformed ``published`` date.
    """
    item = _preview(title, _LABEL_CHARS) if title else url or "article text"
    return _build(text, item, title=title, source=source, published=published, url=url, lang=lang)


def read_article(
    path: Path | str,
    *,
    title: str | None = None,
    source: str | None = None,
    published: dt.date | str | None = None,
    url: str | None = None,
    lang: str | None = None,
) -> Article:
    """Read an article from a ``.txt``, ``.md``, ``.html`` or ``.htm`` file.

    Text files must be UTF-8 (or UTF-16 with a BOM); an HTML page may declare another charset
    in a ``<meta>``. HTML goes through trafilatura for the main text and its metadata (title,
    date, byline or site name as source, canonical URL); metadata given here wins over what the
    page says.

    Raises
    ------
    ArticleError
        Naming the file, for an unsupported extension, a missing, empty, oversize, binary or
        undecodable file, or a page without article text.
    """
    path = Path(path)
    item = str(path)
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES:
        supported = ", ".join(sorted(TEXT_SUFFIXES | HTML_SUFFIXES))
        raise ArticleError(item, f"unsupported file type {suffix!r} (expected {supported})")
    html = suffix in HTML_SUFFIXES
    data = read_bytes(path, limit=MAX_HTML_BYTES if html else MAX_TEXT_BYTES)
    return article_from_bytes(
        data, item, html=html, title=title, source=source, published=published, url=url, lang=lang
    )


def article_from_bytes(
    data: bytes,
    item: str,
    *,
    html: bool,
    charset: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: dt.date | str | None = None,
    url: str | None = None,
    lang: str | None = None,
    byline: str | None = None,
    page_metadata: bool = True,
) -> Article:
    """Build an article from the bytes of a text file or an HTML page (an upload, a download).

    Parameters
    ----------
    data
        The raw bytes; text is decoded as UTF-8, else as ``charset`` (else, for HTML, the
        page's ``<meta>`` charset); nothing is guessed.
    item
        What to call the bytes in errors: a file name or URL.
    html
        Whether ``data`` is an HTML page, whose main text and metadata trafilatura extracts.
    charset
        The encoding declared outside the bytes (an HTTP header); the page's own ``<meta>``
        declaration is used when this is None.
    title, source, published, url, lang
        Metadata that wins over what the page says; see :func:`article_from_text`.
    byline
        An author known from elsewhere (a feed entry): the source when there is no agency tag
        and the page names no author, before the page's publisher.
    page_metadata
        Whether to take title, byline, publisher, date and URL from the page; False for an
        HTML snippet (a feed entry's summary) whose "page" metadata would be guesses.

    Raises
    ------
    ArticleError
        Naming ``item``, for empty, oversize, binary or undecodable bytes, or a page without text.
    """
    _check_bytes(data, item, limit=MAX_HTML_BYTES if html else MAX_TEXT_BYTES)
    _check_not_binary(data, item)
    if not html:
        text = _decode(data, item, declared=charset)
        return _build(
            text,
            item,
            title=title,
            source=source,
            page_source=byline,
            published=published,
            url=url,
            lang=lang,
        )
    page = _extract_html(data, item, url=url, charset=charset)
    if not page_metadata:
        page = _Page(page.text, None, None, None, None, None)
    return _build(
        page.text,
        item,
        title=title or page.title,
        source=source,
        page_source=page.byline or byline or page.publisher,
        published=published or page.published,
        url=url or page.url,
        lang=lang,
    )


def looks_like_html(data: bytes) -> bool:
    """Tell whether bytes start like an HTML document (a doctype, ``<html>``, ``<head>``...)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--"))


def article_id(text: str) -> str:
    """Return the stable id of an article text: sha256 of its whitespace-normalised form, 16 hex."""
    normalised = " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def clean_text(text: str) -> tuple[str, str | None]:
    """Return the text without trailing page boilerplate, and the closing agency tag if any."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff").split("\n")
    _drop_trailing_boilerplate(lines)
    agency = _agency_tag(lines[-1]) if lines else None
    if agency is not None:
        lines.pop()
        _drop_trailing_boilerplate(lines)
    return "\n".join(lines).strip(), agency


def detect_language(text: str) -> str | None:
    """Guess the language from script (ar, he) or stop words (en fr it de tr es); None if unsure."""
    sample = text[:_LANG_SAMPLE_CHARS]
    letters = sum(map(str.isalpha, sample))
    if not letters:
        return None
    if len(_ARABIC.findall(sample)) / letters >= _SCRIPT_SHARE:
        return "ar"
    if len(_HEBREW.findall(sample)) / letters >= _SCRIPT_SHARE:
        return "he"
    counts = Counter(word.strip(_EDGE_PUNCTUATION) for word in sample.casefold().split())
    scores = sorted(
        ((sum(counts[w] for w in stops), lang) for lang, stops in _STOP_WORDS.items()),
        reverse=True,
    )
    (best, lang), (runner_up, _) = scores[0], scores[1]
    return lang if best >= 2 and best > runner_up else None


@dataclass(frozen=True, slots=True)
class _Page:
    """What trafilatura found in an HTML page."""

    text: str
    title: str | None
    byline: str | None
    publisher: str | None
    published: str | None
    url: str | None


def _build(
    text: str,
    item: str,
    *,
    title: str | None,
    source: str | None,
    published: dt.date | str | None,
    url: str | None,
    lang: str | None,
    page_source: str | None = None,
) -> Article:
    """Check, clean and describe one article text; ``item`` names it in errors.

    The source is the given one, else a closing agency tag, else ``page_source`` (a byline or
    publisher the page names).
    """
    _check_text(text, item)
    _check_title(title, item)
    day = _as_date(published, item)
    cleaned, agency = clean_text(text)
    if not cleaned:
        raise ArticleError(item, "no article text left once page boilerplate is removed")
    if not _LETTER.search(cleaned):
        raise ArticleError(item, f"no article text, only {_preview(cleaned)!r}")
    return Article(
        id=article_id(cleaned),
        title=(title or "").strip() or _default_title(cleaned),
        title_derived=not (title or "").strip(),
        source=(source or "").strip() or agency or (page_source or "").strip() or None,
        published=day,
        url=(url or "").strip() or None,
        text=cleaned,
        lang=lang or detect_language(cleaned),
    )


def _check_text(text: str, item: str) -> None:
    """Raise ArticleError for text that is not a string, empty, oversize or binary."""
    if not isinstance(text, str):
        raise ArticleError(item, f"article text must be str, got {type(text).__name__}")
    if not text.strip():
        raise ArticleError(item, "article text is empty")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise ArticleError(item, f"invalid Unicode {bad!r} at offset {exc.start}") from exc
    if size > MAX_TEXT_BYTES:
        raise ArticleError(
            item, f"article text is {size:,} bytes, over the {MAX_TEXT_BYTES:,}-byte limit"
        )
    control = _CONTROL_CHAR.search(text)
    if control:
        raise ArticleError(
            item,
            f"control character {control.group()!r} at offset {control.start()}: "
            "binary data, not article text",
        )


def _check_title(title: str | None, item: str) -> None:
    """Raise ArticleError for a title over :data:`MAX_TITLE_CHARS` characters."""
    size = len((title or "").strip())
    if size > MAX_TITLE_CHARS:
        raise ArticleError(
            item,
            f"title is {size:,} characters, over the {MAX_TITLE_CHARS:,}-character limit "
            f"(it starts {_preview(title or '')!r})",
        )


def _as_date(value: dt.date | str | None, item: str) -> dt.date | None:
    """Return ``value`` as a date: dates pass, datetimes lose their time, ISO strings parse."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise ArticleError(item, f"published date {value!r} is not YYYY-MM-DD") from exc


def _drop_trailing_boilerplate(lines: list[str]) -> None:
    """Pop blank and page-boilerplate lines off the end of ``lines``."""
    while lines and (not lines[-1].strip() or _BOILERPLATE_LINE.fullmatch(lines[-1].strip())):
        lines.pop()


def _agency_tag(line: str) -> str | None:
    """Return the canonical agency name(s) of a closing tag line ("AA", "(AFP)", "AFP/Reuters")."""
    match = _AGENCY_LINE.fullmatch(line)
    if match is None:
        return None
    names = re.split(r"\s*[/,&]\s*", match.group("tags"))
    return "/".join(AGENCIES[name.casefold()] for name in names)


def _preview(text: str, limit: int = 40) -> str:
    """Return the start of ``text`` for an error message."""
    return text if len(text) <= limit else text[:limit] + "…"


def _first_line(text: str) -> str:
    """Return the first non-blank line of ``text``, stripped."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _default_title(text: str) -> str:
    """Make a short title from the text: its first line if short, else its first clause.

    Markdown heading marks go; a clause ends at a comma, semicolon, colon or dash; a clause
    still too long is cut at a word, with an ellipsis. At most :data:`DERIVED_TITLE_CHARS`.
    """
    first = _first_line(text).lstrip("#").strip()
    if len(first) <= DERIVED_TITLE_CHARS:
        return first
    clause = re.split(r"[,;:]\s|\s[—–-]\s", first, maxsplit=1)[0].strip(" \"'“”")
    if 20 <= len(clause) <= DERIVED_TITLE_CHARS:
        return clause
    cut = first[: DERIVED_TITLE_CHARS - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return f"{cut}…"


def read_bytes(path: Path, *, limit: int) -> bytes:
    """Read a file's bytes, refusing a missing, non-regular, empty or oversize file.

    Raises
    ------
    ArticleError
        Naming the file and the problem.
    """
    item = str(path)
    if not path.is_file():
        problem = "is not a regular file" if path.exists() else "does not exist"
        raise ArticleError(item, f"file {problem}")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ArticleError(item, f"cannot read file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        size = path.stat().st_size
        raise ArticleError(item, f"file is {size:,} bytes, over the {limit:,}-byte limit")
    _check_bytes(data, item, limit=limit)
    return data


def _check_bytes(data: bytes, item: str, *, limit: int) -> None:
    """Raise ArticleError for bytes that are empty (or blank) or over ``limit``."""
    if len(data) > limit:
        raise ArticleError(item, f"file is {len(data):,} bytes, over the {limit:,}-byte limit")
    if not data.strip():
        raise ArticleError(item, "file is empty")


def _check_not_binary(data: bytes, item: str) -> None:
    """Raise ArticleError when ``data`` starts like a known binary format or holds NUL bytes."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise ArticleError(item, f"file is a {kind}, not article text")
    if b"\x00" in data[:8192] and not data.startswith(_UTF16_BOMS):
        raise ArticleError(item, "file holds NUL bytes: binary data, not article text")


def _decode(data: bytes, item: str, *, declared: str | None = None) -> str:
    """Decode UTF-8 (BOM or not), UTF-16 with a BOM, else the declared charset; never guess.

    Raises
    ------
    ArticleError
        Naming ``item`` and the offset of the first bad byte, for bytes that are not UTF-8 and
        have no declared charset (or one they do not decode in, or an unknown one).
    """
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArticleError(
                item, f"has a UTF-16 mark but is not UTF-16: {_bad_byte(data, exc)}"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        not_utf8 = exc
    if not declared:
        problem = f"not UTF-8, and no charset is declared: {_bad_byte(data, not_utf8)}"
        raise ArticleError(item, problem)
    try:
        name = codecs.lookup(declared).name
        if name == "utf-8" or data.startswith(codecs.BOM_UTF8):
            raise ArticleError(item, f"not UTF-8 as declared: {_bad_byte(data, not_utf8)}")
        return data.decode(name)
    except LookupError:  # unknown, or not a text encoding ("rot13")
        problem = f"unknown charset {declared!r}, and not UTF-8: {_bad_byte(data, not_utf8)}"
        raise ArticleError(item, problem) from None
    except UnicodeDecodeError as exc:
        problem = f"not {declared!r} as declared, nor UTF-8: {_bad_byte(data, exc)}"
        raise ArticleError(item, problem) from None


def _bad_byte(data: bytes, error: UnicodeDecodeError) -> str:
    """Where decoding failed: the first bad byte and its offset in the bytes."""
    return f"invalid byte {data[error.start : error.start + 1]!r} at offset {error.start}"


def _declared_charset(data: bytes) -> str | None:
    """Return the encoding an HTML page declares in its head (``<meta charset>``), if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def _extract_html(data: bytes, item: str, *, url: str | None, charset: str | None = None) -> _Page:
    """Return the main text and metadata of an HTML page, or raise ArticleError without text."""
    html = _decode(data, item, declared=charset or _declared_charset(data))
    if not _DOCUMENT_TAG.search(html[:4096]):  # a fragment: trafilatura parses whole documents
        html = f"<html><body>{html}</body></html>"
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    text = getattr(doc, "text", None) or trafilatura.html2txt(html)
    if not text or not text.strip():
        raise ArticleError(item, "no article text found in the HTML page")
    meta = (getattr(doc, name, None) or None for name in ("title", "author", "sitename", "date"))
    page_title, author, sitename, date = meta
    return _Page(text, page_title, author, sitename, date, getattr(doc, "url", None) or None)
