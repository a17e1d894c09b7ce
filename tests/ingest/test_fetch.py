"""Safe fetching: address checks (every hop, every address), timeouts, caps and content types."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.ingest.fetch import (
    ALLOW_PRIVATE_ENV,
    Fetcher,
    FetchError,
    address_problem,
    looks_like_url,
    private_urls_allowed,
)
from tests.httpserver import LocalServer

TIMEOUT = 0.3
PAGE = "<html><head><title>Crossing</title></head><body><p>The Rafah crossing.</p></body></html>"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(slow_seconds=2 * TIMEOUT, huge_bytes=16 * 1024) as running:
        running.add("/page", PAGE)
        running.add("/cp1256", "نص".encode("cp1256"), "text/plain; charset=windows-1256")
        running.add("/feed", b"<rss version='2.0'></rss>", "application/rss+xml")
        running.add("/untyped", PAGE, "")
        running.redirect("/hop", "/page")
        running.redirect("/hop-absolute", running.url("/page"), 301)
        yield running


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")


def fetcher(**options: object) -> Fetcher:
    return Fetcher(timeout=TIMEOUT, max_bytes=8 * 1024, **options)  # type: ignore[arg-type]


def problem(url: str, **options: object) -> str:
    with pytest.raises(FetchError) as caught, fetcher(**options) as f:
        f.get(url)
    assert str(caught.value) == f"{url}: {caught.value.problem}"
    return caught.value.problem


# --- addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::10.0.0.1", "private"),
        ("2002:a00:1::1", "private"),
        ("::127.0.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_named(address: str, kind: str) -> None:
    assert address_problem(address) == kind


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8"],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(address) is None


@settings(deadline=None)  # timing is for the benchmarks; a loaded machine must not fail it
@given(st.integers(0, 2**24 - 1))
def test_every_ten_slash_eight_address_is_refused_in_any_form(offset: int) -> None:
    v4 = ipaddress.IPv4Address(int(ipaddress.IPv4Address("10.0.0.0")) + offset)
    mapped = ipaddress.IPv6Address(f"::ffff:{v4}")
    assert address_problem(v4) == address_problem(mapped) == "private"


@pytest.mark.parametrize(
    ("item", "is_url"),
    [
        ("https://news.example/a", True),
        ("HTTP://news.example", True),
        ("ftp://files.example/a", True),
        ("folder/a.txt", False),
        ("/abs/path.html", False),
        ("C:file.txt", False),
    ],
)
def test_looks_like_url(item: str, is_url: bool) -> None:
    assert looks_like_url(item) is is_url


@pytest.mark.parametrize(
    ("value", "allowed"), [("1", True), ("true", True), ("0", False), ("", False)]
)
def test_private_urls_setting(monkeypatch: pytest.MonkeyPatch, value: str, allowed: bool) -> None:
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, value)
    assert private_urls_allowed() is allowed


# --- refusals without the setting ---------------------------------------------------------------


def test_local_server_is_refused_without_the_setting(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    assert problem(server.url("/page")) == "refused: resolves to loopback address 127.0.0.1"
    assert server.count("/page") == 0


def test_localhost_by_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    assert problem("http://localhost:9/").startswith("refused: resolves to loopback address")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://files.example/a.txt", "refused: URL scheme 'ftp' is not http or https"),
        ("file:///etc/passwd", "refused: URL scheme 'file' is not http or https"),
        ("gopher://x/", "refused: URL scheme 'gopher' is not http or https"),
        ("http:///no-host", "invalid URL: no host"),
    ],
)
def test_other_schemes_and_hostless_urls_are_refused(url: str, expected: str) -> None:
    assert problem(url, allow_private=True) == expected


def test_every_resolved_address_is_checked() -> None:
    def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.1.2.3"]

    assert problem("http://news.test/", resolve=resolve) == (
        "refused: resolves to private address 10.1.2.3"
    )


def test_ipv4_mapped_answer_is_refused() -> None:
    assert problem("http://news.test/", resolve=lambda host, port: ["::ffff:10.0.0.1"]) == (
        "refused: resolves to private address ::ffff:a00:1 (10.0.0.1)"
    )


def test_connection_goes_to_the_checked_address(server: LocalServer) -> None:
    """The socket connects to what the checked resolver said, not to a second DNS answer."""
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    with fetcher(resolve=resolve, trusted_networks=["127.0.0.1/32"]) as f:
        fetched = f.get(f"http://news.test:{server.port}/page")
    assert asked == ["news.test"]
    assert b"Rafah crossing" in fetched.body


def test_redirect_to_a_private_address_is_refused(server: LocalServer) -> None:
    url = server.url("/to-private")
    assert problem(url, trusted_networks=["127.0.0.1/32"]) == (
        "refused: redirect to 'http://10.0.0.1/internal' resolves to private address 10.0.0.1"
    )


def test_redirect_to_another_scheme_is_refused(server: LocalServer, allow_private: None) -> None:
    assert problem(server.url("/to-ftp")) == (
        "redirect to 'ftp://files.example/article.txt': refused: URL scheme 'ftp' is not http "
        "or https"
    )


def test_unresolvable_host() -> None:
    def resolve(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert problem("http://nowhere.test/", resolve=resolve) == (
        "cannot resolve host 'nowhere.test': Name or service not known"
    )


# --- with the setting: the local server ---------------------------------------------------------


def test_page_is_fetched(server: LocalServer, allow_private: None) -> None:
    with fetcher() as f:
        fetched = f.get(server.url("/page"))
    assert fetched.url == fetched.final_url == server.url("/page")
    assert (fetched.media_type, fetched.charset) == ("text/html", "utf-8")
    assert fetched.body == PAGE.encode()


@pytest.mark.parametrize("path", ["/hop", "/hop-absolute"])
def test_redirects_are_followed(server: LocalServer, allow_private: None, path: str) -> None:
    with fetcher() as f:
        fetched = f.get(server.url(path))
    assert fetched.url == server.url(path)
    assert fetched.final_url == server.url("/page")


def test_declared_charset_and_feed_types_pass(server: LocalServer, allow_private: None) -> None:
    with fetcher() as f:
        assert f.get(server.url("/cp1256")).charset == "windows-1256"
        assert f.get(server.url("/feed")).media_type == "application/rss+xml"
        assert f.get(server.url("/untyped")).media_type == ""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/slow", f"timed out after {TIMEOUT:g} s"),
        ("/missing", "HTTP 404 Not Found"),
        ("/image.png", "content type 'image/png' is not an article or feed"),
        ("/huge", "larger than 8,192 bytes"),
        ("/huge-stream", "larger than 8,192 bytes"),
        ("/loop", "more than 5 redirects"),
    ],
)
def test_broken_responses_get_one_clear_problem(
    server: LocalServer, allow_private: None, path: str, expected: str
) -> None:
    assert problem(server.url(path)) == expected


def test_closed_port(allow_private: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert problem(f"http://127.0.0.1:{port}/") == "cannot connect: Connection refused"


def test_size_cap_reads_in_megabytes() -> None:
    with Fetcher() as f:
        assert (f.timeout, f.max_bytes) == (10.0, 5 * 1024 * 1024)


@pytest.mark.parametrize(
    "options", [{"timeout": 0}, {"max_bytes": 0}, {"max_redirects": -1}], ids=str
)
def test_bad_limits_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="bad fetch limits"):
        Fetcher(**options)  # type: ignore[arg-type]
