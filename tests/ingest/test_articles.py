"""Reading articles: checks, boilerplate and agency tags, encodings, HTML, ids and languages."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.ingest.articles import (
    MAX_TEXT_BYTES,
    ArticleError,
    article_from_bytes,
    article_from_text,
    article_id,
    clean_text,
    detect_language,
    looks_like_html,
    read_article,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"
SAMPLE = SHARED / "samples" / "anadolu-2024-08-23-gaza-talks.txt"

BODY = (
    "Talks on the Gaza ceasefire resumed in Cairo on Friday, officials said.\n"
    "Egypt has asked that Israel leave the Philadelphi Corridor and the Rafah crossing, "
    'but the prime minister\'s office said he "will keep control of the corridor."'
)
WIRE_ENDING = "\nAA\nComments About This Article\nPlease fill the fields below."
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
FRENCH = (
    "Les négociations sur le corridor de Philadelphie se sont poursuivies au Caire vendredi. "
    "L'Égypte a exigé le retrait israélien du point de passage de Rafah, à la frontière."
)
ARABIC = (
    "قالت حركة حماس إن المقترح يتوافق مع شروط نتنياهو، ولا سيما إصراره على مواصلة احتلال "
    "محور نتساريم ومعبر رفح ومحور فيلادلفيا."
)
PAGE = """<!doctype html>
<html><head>
<title>Cairo talks resume - Example Wire</title>
<meta property="og:title" content="Cairo talks resume">
<meta property="og:site_name" content="Example Wire">
<meta name="date" content="2024-08-23">
<link rel="canonical" href="https://news.example.org/cairo-talks">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Cairo talks resume</h1>
<p>Talks on the Gaza ceasefire resumed in Cairo on Friday, officials said, with mediators
from Egypt and Qatar meeting both delegations.</p>
<p>Egypt has asked that Israel leave the Philadelphi Corridor and the Rafah crossing.</p>
</article>
<footer>Copyright Example Wire</footer>
</body></html>"""


# --- text: checks first -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("  \n\t \r\n", "empty"),
        ("Rafah\x00crossing", "control character"),
        ("Rafah \x1b[1m crossing", "control character"),
        ("Rafah \ud800 crossing", "invalid Unicode"),
        ("a" * (MAX_TEXT_BYTES + 1), "limit"),
        ("\u00e9" * (MAX_TEXT_BYTES // 2 + 1), "limit"),
        ("AA\nComments About This Article\nPlease fill the fields below.", "boilerplate"),
        ("12345 -- 67890 ...", "no article text"),
    ],
    ids=[
        "empty",
        "whitespace",
        "nul",
        "escape",
        "surrogate",
        "oversize",
        "oversize-utf8",
        "only-tag",
        "no-letters",
    ],
)
def test_bad_text_is_refused_with_a_named_reason(text: str, problem: str) -> None:
    with pytest.raises(ArticleError, match=problem) as caught:
        article_from_text(text, title="Wire story")
    assert "'Wire story'" in str(caught.value)


def test_bad_published_date_is_refused() -> None:
    with pytest.raises(ArticleError, match=r"'23/08/2024' is not YYYY-MM-DD"):
        article_from_text(BODY, published="23/08/2024")


@pytest.mark.parametrize(
    "published",
    [dt.date(2024, 8, 23), "2024-08-23", dt.datetime(2024, 8, 23, 14, 5)],
    ids=["date", "iso-string", "datetime"],
)
def test_published_becomes_a_date(published: dt.date | str) -> None:
    assert article_from_text(BODY, published=published).published == dt.date(2024, 8, 23)


# --- boilerplate and agency tags ----------------------------------------------------------------


def test_wire_ending_is_stripped_and_tag_becomes_source() -> None:
    article = article_from_text(BODY + WIRE_ENDING)
    assert article.text == BODY
    assert article.source == "AA"


def test_given_source_wins_but_tag_is_still_removed() -> None:
    article = article_from_text(BODY + WIRE_ENDING, source="Anadolu Agency")
    assert article.source == "Anadolu Agency"
    assert article.text == BODY
    assert article.id == article_from_text(BODY + WIRE_ENDING).id


@pytest.mark.parametrize(
    ("ending", "source"),
    [
        ("\nAFP", "AFP"),
        ("\n(Reuters)", "Reuters"),
        ("\nREUTERS", "Reuters"),
        ("\n— dpa", "dpa"),
        ("\nAFP/Reuters", "AFP/Reuters"),
        ("\nWAFA\n\nShare this article\nShare on Facebook\nTweet", "WAFA"),
        ("\nANSA\n3 Comments\nLeave a comment", "ANSA"),
        ("\n\nAP  \n\n", "AP"),
        ("\nShare this story\nAnadolu Agency", "Anadolu Agency"),
    ],
)
def test_closing_agency_tags_and_share_prompts(ending: str, source: str) -> None:
    article = article_from_text(BODY + ending)
    assert (article.text, article.source) == (BODY, source)


@pytest.mark.parametrize(
    "ending",
    ["\nThe AP reported it first.", "\nap", "\nAA was not there.", "\nShare prices fell."],
)
def test_ordinary_last_lines_are_kept(ending: str) -> None:
    article = article_from_text(BODY + ending)
    assert article.text == BODY + ending
    assert article.source is None


def test_tag_inside_the_text_is_kept() -> None:
    text = "First paragraph.\nAFP\nSecond paragraph goes on."
    assert clean_text(text) == (text, None)


def test_newlines_are_normalised_and_edges_trimmed() -> None:
    article = article_from_text("\ufeff  Line one.\r\nLine two.\rLine three.\n\n")
    assert article.text == "Line one.\nLine two.\nLine three."


@pytest.mark.skipif(not SAMPLE.is_file(), reason="shared sample article not present")
def test_sample_wire_story() -> None:
    article = read_article(SAMPLE)
    assert article.source == "AA"
    assert article.lang == "en"
    assert article.text.endswith('rearmament of Hamas."')
    assert "Comments About This Article" not in article.text
    assert article.text.count("Philadelphi Corridor") == 4


# --- titles and languages -----------------------------------------------------------------------


def test_title_is_first_short_line_or_first_words() -> None:
    assert len(article_from_text(BODY).title) <= 90
    long_line = " ".join(f"word{i}" for i in range(60)) + "\nSecond line."
    made = article_from_text(long_line)
    assert made.title.endswith("…") and len(made.title) <= 90 and made.title_derived
    assert made.title.startswith("word0 word1 word2")
    given = article_from_text(BODY, title="  Given title ")
    assert (given.title, given.title_derived) == ("Given title", False)


@pytest.mark.parametrize(
    ("first_line", "title"),
    [
        ("Rafah crossing reopens", "Rafah crossing reopens"),
        (
            "Negotiations to secure a cease-fire in the besieged Gaza Strip and free hostages who "
            'remain there are "moving forward," the White House said Friday.',
            "Negotiations to secure a cease-fire in the besieged Gaza Strip and free hostages who…",
        ),
        (
            "Egypt has insisted that Israel withdraw from the Philadelphi Corridor, officials in "
            "Cairo said on Thursday after a long day of talks.",
            "Egypt has insisted that Israel withdraw from the Philadelphi Corridor",
        ),
    ],
)
def test_a_missing_title_is_the_first_clause_within_90_characters(
    first_line: str, title: str
) -> None:
    made = article_from_text(f"{first_line}\nMore text follows here.")
    assert (made.title, made.title_derived) == (title, True)
    assert len(made.title) <= 90


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (BODY, "en"),
        (FRENCH, "fr"),
        (ARABIC, "ar"),
        ("ראש הממשלה אמר כי ישראל תשמור על השליטה בציר פילדלפי ובמעבר רפיח.", "he"),
        (
            "Il governo ha detto che non è una decisione facile e che i colloqui sono in corso.",
            "it",
        ),
        ("Die Regierung sagte, dass die Gespräche mit den Vermittlern auf dem Weg sind.", "de"),
        ("12345 67890", None),
        ("Rafah", None),
    ],
)
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


def test_given_language_is_kept() -> None:
    assert article_from_text(BODY, lang="xx").lang == "xx"


# --- ids ----------------------------------------------------------------------------------------


def test_id_is_sixteen_hex_and_depends_on_words() -> None:
    article = article_from_text(BODY)
    assert re.fullmatch(r"[0-9a-f]{16}", article.id)
    assert article.id == article_id(article.text)
    assert article.id != article_from_text(BODY + " More.").id


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüجש.,'\"", min_size=1, max_size=8).map(
    lambda w: "w" + w  # a leading "w" keeps words from being agency tags or share prompts
)
_GAP = st.text(alphabet=" \t\n\r\u00a0\u2003\x0b\x0c", min_size=1, max_size=4)


@given(st.lists(st.tuples(_WORD, _GAP, _GAP), min_size=1, max_size=30), _GAP, _GAP)
def test_id_is_stable_under_whitespace_changes(
    words: list[tuple[str, str, str]], lead: str, trail: str
) -> None:
    one = lead + "".join(word + gap for word, gap, _ in words)
    other = "".join(word + gap for word, _, gap in words) + trail
    assert article_from_text(one).id == article_from_text(other).id


@given(st.text(max_size=300))
def test_stored_text_is_a_slice_of_the_normalised_input(text: str) -> None:
    try:
        article = article_from_text(text)
    except ArticleError:
        return
    assert article.text
    assert article.text == article.text.strip()
    assert article.text in text.replace("\r\n", "\n").replace("\r", "\n")


# --- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.txt", b"  \n\n\t", "file is empty"),
        ("picture.txt", PNG_BYTES, "PNG image"),
        ("report.md", b"%PDF-1.7\n%\xe2\xe3", "PDF document"),
        ("nul.txt", b"Rafah\x00\x00crossing", "NUL bytes"),
        ("random.txt", bytes(range(128, 256)) * 4, "not UTF-8, and no charset is declared"),
        ("big.txt", b"a" * (MAX_TEXT_BYTES + 1), "limit"),
        ("article.pdf", b"text", "unsupported file type '.pdf'"),
        ("article", b"text", "unsupported file type ''"),
        ("scripts.html", b"<html><body><script>var x = 1;</script></body></html>", "no article"),
        ("angles.htm", b"<<<>>>", "no article"),
        ("tag-only.txt", WIRE_ENDING.encode(), "boilerplate"),
    ],
)
def test_bad_files_get_one_clear_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=re.escape(problem)) as caught:
        read_article(path)
    assert repr(str(path)) in str(caught.value)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="does not exist"):
        read_article(tmp_path / "nowhere.txt")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(ArticleError, match="not a regular file"):
        read_article(folder)


@pytest.mark.parametrize(
    ("text", "encoding", "lang"),
    [
        (FRENCH, "utf-8-sig", "fr"),
        (ARABIC, "utf-16", "ar"),
        (BODY, "utf-8", "en"),
    ],
)
def test_utf8_and_marked_utf16_files_are_decoded(
    tmp_path: Path, text: str, encoding: str, lang: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(text.encode(encoding))
    article = read_article(path)
    assert article.text == text
    assert article.lang == lang


@pytest.mark.parametrize(
    ("text", "encoding"), [(FRENCH, "latin-1"), (FRENCH, "cp1252"), (ARABIC, "cp1256")]
)
def test_legacy_encodings_without_a_declared_charset_are_refused(
    tmp_path: Path, text: str, encoding: str
) -> None:
    """No guessing: README promises that text which is not UTF-8 is refused."""
    data = text.encode(encoding)
    offset = next(i for i, byte in enumerate(data) if byte >= 0x80)
    path = tmp_path / "article.txt"
    path.write_bytes(data)
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    assert str(caught.value) == (
        f"{str(path)!r}: not UTF-8, and no charset is declared: "
        f"invalid byte {data[offset : offset + 1]!r} at offset {offset}"
    )


@pytest.mark.parametrize(("text", "charset"), [(FRENCH, "windows-1252"), (ARABIC, "windows-1256")])
def test_a_page_that_declares_its_charset_is_decoded_by_it(
    tmp_path: Path, text: str, charset: str
) -> None:
    html = f'<html><head><meta charset="{charset}"></head><body><p>{text}</p></body></html>'
    path = tmp_path / "page.html"
    path.write_bytes(html.encode(charset))
    assert " ".join(read_article(path).text.split()) == " ".join(text.split())


def test_markdown_title_drops_heading_marks(tmp_path: Path) -> None:
    path = tmp_path / "story.md"
    path.write_text("# Cairo talks resume\n\n" + BODY + WIRE_ENDING, encoding="utf-8")
    article = read_article(path, published="2024-08-23")
    assert article.title == "Cairo talks resume"
    assert article.source == "AA"
    assert article.published == dt.date(2024, 8, 23)


def test_html_page_gives_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    article = read_article(path)
    assert "Philadelphi Corridor and the Rafah crossing" in article.text
    assert "Home" not in article.text
    assert "Copyright" not in article.text
    assert article.title == "Cairo talks resume"
    assert article.source == "Example Wire"
    assert article.published == dt.date(2024, 8, 23)
    assert article.url == "https://news.example.org/cairo-talks"
    assert article.lang == "en"


def test_given_metadata_wins_over_the_page(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(PAGE, encoding="utf-8")
    article = read_article(
        path, title="Desk title", source="Desk", published="2024-08-24", url="https://desk.example"
    )
    assert (article.title, article.source, article.url) == (
        "Desk title",
        "Desk",
        "https://desk.example",
    )
    assert article.published == dt.date(2024, 8, 24)


@pytest.mark.parametrize(
    "html",
    [
        "<p>The Rafah crossing stayed <b>closed on Friday",
        "<html><body><div><p>The Rafah crossing stayed closed on Friday, officials said<div>Later",
        "<html><body><p>The Rafah crossing stayed closed on Friday</i></span></p></table>",
        "The Rafah crossing stayed closed on Friday, officials said.",
    ],
    ids=["unclosed", "nested-unclosed", "stray-closers", "no-markup"],
)
def test_malformed_html_still_yields_text(tmp_path: Path, html: str) -> None:
    path = tmp_path / "broken.html"
    path.write_text(html, encoding="utf-8")
    assert "Rafah crossing stayed" in read_article(path).text


# --- bytes from uploads and downloads -----------------------------------------------------------

BYLINE_PAGE = """<html><head><meta name="author" content="Jane Doe">
<meta property="og:site_name" content="Example Wire"><title>Crossing</title></head>
<body><article><p>The Rafah crossing stayed closed on Friday, officials said in a statement
to reporters in Cairo.</p>{ending}</article></body></html>"""


def test_error_carries_item_and_problem(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    assert (caught.value.item, caught.value.problem) == (str(path), "file is empty")
    assert str(caught.value) == f"{str(path)!r}: file is empty"


@pytest.mark.parametrize(
    ("ending", "source"),
    [("<p>AFP</p>", "AFP"), ("", "Jane Doe")],
    ids=["agency-tag-first", "then-byline"],
)
def test_page_source_is_agency_tag_then_byline_then_publisher(ending: str, source: str) -> None:
    data = BYLINE_PAGE.format(ending=ending).encode()
    assert article_from_bytes(data, "page", html=True).source == source
    no_byline = data.replace(b'<meta name="author" content="Jane Doe">', b"")
    if not ending:
        assert article_from_bytes(no_byline, "page", html=True).source == "Example Wire"


def test_declared_charset_decodes_bytes() -> None:
    data = ARABIC.encode("cp1256")
    assert article_from_bytes(data, "download", html=False, charset="windows-1256").text == ARABIC


def test_snippet_without_page_metadata() -> None:
    snippet = b"<p>The <b>Rafah crossing</b> reopened, officials said.</p>"
    article = article_from_bytes(
        snippet, "entry", html=True, url="https://wire.example/a", page_metadata=False
    )
    assert article.text == "The Rafah crossing reopened, officials said."
    assert (article.source, article.url) == (None, "https://wire.example/a")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "file is empty"),
        (PNG_BYTES, "PNG image"),
        (b"a" * (MAX_TEXT_BYTES + 1), "limit"),
    ],
    ids=["empty", "png", "oversize"],
)
def test_bad_bytes_name_the_item(data: bytes, problem: str) -> None:
    with pytest.raises(ArticleError, match=problem) as caught:
        article_from_bytes(data, "upload.txt", html=False)
    assert caught.value.item == "upload.txt"


@pytest.mark.parametrize(
    ("data", "is_html"),
    [
        (b"<!DOCTYPE html><html></html>", True),
        (b"\xef\xbb\xbf\n  <html lang='en'>", True),
        (b"<HEAD><title>x</title>", True),
        (b"<rss version='2.0'/>", False),
        (b"Plain words <b>with</b> a tag", False),
    ],
)
def test_looks_like_html(data: bytes, is_html: bool) -> None:
    assert looks_like_html(data) is is_html
