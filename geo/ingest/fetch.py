"""Fetch web pages and feeds safely: a shared server must not open up the newsroom's network.

Every request has connect and read timeouts, a size cap on the body (counted after
decompression), and a content-type check (HTML, XHTML, plain text and feeds only). Each fetch,
redirects included, has a wall-clock budget (``max_seconds``) that holds whatever the server's
pace: a watchdog shuts the fetch's sockets down when it runs out, so headers or a body trickled
a byte at a time end there, and name resolution and connecting get only what is left of it.
Redirects are followed by hand, at most :data:`MAX_REDIRECTS`, and every hop is checked again.
Hosts are resolved once per connection (an IP literal, bracketed IPv6 included, is its own
address and is judged without a resolver); when any of their addresses is loopback, private,
link-local, multicast, reserved, unspecified or otherwise not public (IPv4-mapped and NAT64 IPv6
forms included) the request is refused, and otherwise the socket connects to exactly the
addresses that were checked, so a DNS answer that changes between check and connect cannot slip
through. ``GEO_ALLOW_PRIVATE_URLS=1`` lifts the address check, for tests and intranet sources.
Proxy settings from the environment are ignored: the check must see the real destination.
"""

from __future__ import annotations

import contextlib
import contextvars
import http.client
import ipaddress
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Self
from urllib.parse import unquote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util import connection as urllib3_connection

if TYPE_CHECKING:
    from urllib3.connectionpool import BaseHTTPConnection

ALLOW_PRIVATE_ENV = "GEO_ALLOW_PRIVATE_URLS"
DEFAULT_TIMEOUT = 10.0
"""Seconds allowed to connect, and between two reads of the response."""
MAX_SECONDS_PER_TIMEOUT = 3
"""A fetch's overall limit, redirects included, in timeouts (30 s by default)."""
MAX_BYTES = 5 * 1024 * 1024
"""Largest response body read, after decompression."""
MAX_REDIRECTS = 5
SCHEMES = frozenset({"http", "https"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/xml",
        "text/xml",
    }
)
ACCEPTED_TYPES = HTML_TYPES | TEXT_TYPES | FEED_TYPES
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "contested-map/0.1 (newsroom article reader)"
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.8"
)
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_CHUNK = 64 * 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""Resolve (host, port) to the addresses to connect to, as strings."""


class FetchError(Exception):
    """A URL could not be fetched: ``problem`` says why, the message also names the URL."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem


@dataclass(frozen=True)
class Fetched:
    """A fetched response: the URL asked for, where it ended up, its media type and body."""

    url: str
    final_url: str
    media_type: str
    """Lower-case media type without parameters; "" when the server sent none."""
    charset: str | None
    body: bytes


def looks_like_url(item: str) -> bool:
    """Tell whether an item is written as a URL (``scheme://...``) rather than a path."""
    return bool(_URL_START.match(item))


def private_urls_allowed() -> bool:
    """Whether ``GEO_ALLOW_PRIVATE_URLS`` is set to 1 (or true/yes)."""
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in {"1", "true", "yes"}


def address_problem(address: str | IPAddress) -> str | None:
    """Return why an address must not be fetched from ("loopback", "private", ...), or None.

    IPv4 addresses embedded in IPv6 ones (IPv4-mapped ``::ffff:a.b.c.d``, NAT64
    ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged as the IPv4 address they reach.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_problem(ip.ipv4_mapped)
        if ip in _NAT64:
            return address_problem(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None and address_problem(ip.sixtofour):
            return address_problem(ip.sixtofour)
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses connections may go to.

    Parameters
    ----------
    allow_private
        Allow every address (``GEO_ALLOW_PRIVATE_URLS=1``).
    trusted
        Networks allowed although not public (an intranet news server).
    resolve
        How hosts are resolved; the system resolver by default.
    """

    allow_private: bool = False
    trusted: tuple[IPNetwork, ...] = ()
    resolve: Resolver | None = None

    def addresses(self, host: str, port: int) -> list[str]:
        """Return the checked addresses of ``host``; raise when any of them is refused.

        An IP literal (``127.0.0.1``, ``::1``, ``[fe80::1%25eth0]``) is its own address: no
        resolver is asked, so it is judged the same whatever the resolver makes of it.
        """
        literal = ip_literal(host)
        resolve = self.resolve or _system_resolve
        try:
            found = [str(literal)] if literal else list(dict.fromkeys(resolve(host, port)))
        except (OSError, UnicodeError) as error:
            raise _Unresolved(f"cannot resolve host {host!r}: {_reason(error)}") from error
        if not found:
            raise _Unresolved(f"cannot resolve host {host!r}: no addresses")
        if self.allow_private:
            return found
        for address in found:
            ip = ipaddress.ip_address(address)
            problem = address_problem(ip)
            if problem and not any(ip in network for network in self.trusted):
                raise _Refused(f"resolves to {problem} address {_shown(ip)}")
        return found


class Fetcher:
    """Fetch pages and feeds with timeouts, a size cap, content-type and address checks.

    Parameters
    ----------
    timeout
        Seconds to connect, and to wait between reads.
    max_bytes
        Largest body read (after decompression).
    max_redirects
        Redirects followed before giving up; each hop is checked like the first URL.
    max_seconds
        Wall-clock limit for the whole fetch (resolving, connecting, headers, body, redirects),
        however slowly the server sends; default three times ``timeout``.
    allow_private
        Allow private, loopback and other non-public addresses; None reads
        ``GEO_ALLOW_PRIVATE_URLS``.
    trusted_networks
        Networks (CIDR strings) allowed although not public.
    resolve
        Host resolver, for tests; the system resolver by default.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        max_seconds: float | None = None,
        allow_private: bool | None = None,
        trusted_networks: Iterable[str] = (),
        resolve: Resolver | None = None,
    ) -> None:
        seconds = max_seconds if max_seconds is not None else MAX_SECONDS_PER_TIMEOUT * timeout
        if timeout <= 0 or max_bytes <= 0 or max_redirects < 0 or not 0 < seconds < float("inf"):
            raise ValueError(
                f"bad fetch limits: timeout={timeout!r}, max_bytes={max_bytes!r}, "
                f"max_redirects={max_redirects!r}, max_seconds={max_seconds!r}"
            )
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.max_seconds = seconds
        self.policy = AddressPolicy(
            allow_private=private_urls_allowed() if allow_private is None else allow_private,
            trusted=tuple(ipaddress.ip_network(net, strict=False) for net in trusted_networks),
            resolve=resolve,
        )
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies or .netrc: connect where the check looked
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": ACCEPT})
        adapter = _GuardedAdapter(self.policy)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    def get(self, url: str) -> Fetched:
        """Fetch ``url``, following redirects; return the body of an article or feed.

        The whole fetch ends within ``max_seconds`` (plus the moment it takes to notice),
        however slowly the server sends its headers or body.

        Raises
        ------
        FetchError
            Naming ``url``, for a bad scheme, a refused address, a timeout, the overall time
            limit, an HTTP error status, a content type that is not an article or feed, or a
            body over the cap.
        """
        with _Budget(self.max_seconds) as budget:
            try:
                fetched = self._follow(url, budget)
            except FetchError:
                if budget.spent():
                    raise FetchError(url, self._over_time()) from None
                raise
            if budget.spent():  # a shut-down socket reads as the end: the answer may be cut short
                raise FetchError(url, self._over_time())
            return fetched

    def _follow(self, url: str, budget: _Budget) -> Fetched:
        """Request ``url`` and each redirect in turn, within ``budget``; read the last answer."""
        current = url
        for hop in range(self.max_redirects + 1):
            _check_url(url, current, hop)
            response = self._request(url, current, hop, budget)
            with response:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_CODES and location:
                    current = urljoin(current, location.strip())
                    continue
                return self._read(url, current, response, budget)
        raise FetchError(url, f"more than {self.max_redirects} redirects")

    def _request(self, url: str, current: str, hop: int, budget: _Budget) -> requests.Response:
        """Send one GET without following redirects; map every failure to a FetchError."""
        where = f"redirect to {current!r} " if hop else ""
        connect = max(min(self.timeout, budget.remaining()), 0.001)
        try:
            return self._session.get(
                current, stream=True, allow_redirects=False, timeout=(connect, self.timeout)
            )
        except _Refused as error:
            raise FetchError(url, f"refused: {where}{error}") from None
        except _Unresolved as error:
            raise FetchError(url, f"{where}{error}".strip()) from None
        except requests.RequestException as error:
            raise FetchError(url, f"{where}{self._problem(error)}".strip()) from error
        except (OSError, HTTPError, http.client.HTTPException) as error:
            raise FetchError(url, f"{where}request failed: {_reason(error)}".strip()) from error
        except ValueError as error:  # requests reads a redirect's Location before returning
            raise FetchError(url, f"{where}redirect to an invalid URL: {error}".strip()) from None

    def _read(self, url: str, final: str, response: requests.Response, budget: _Budget) -> Fetched:
        """Check status, type and size, then read the body within the cap and the budget."""
        if response.status_code >= 300 or response.status_code < 200:
            reason = f" {response.reason}" if response.reason else ""
            raise FetchError(url, f"HTTP {response.status_code}{reason}")
        media_type, charset = _content_type(response.headers.get("content-type", ""))
        if media_type and media_type not in ACCEPTED_TYPES:
            raise FetchError(url, f"content type {media_type!r} is not an article or feed")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(url, f"larger than {_size(self.max_bytes)}")
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError(url, f"larger than {_size(self.max_bytes)}")
                if budget.spent():
                    raise FetchError(url, self._over_time())
        except requests.RequestException as error:
            raise FetchError(url, self._problem(error)) from error
        except (OSError, HTTPError, http.client.HTTPException) as error:
            raise FetchError(url, f"request failed: {_reason(error)}") from error
        return Fetched(url, final, media_type, charset, bytes(body))

    def _over_time(self) -> str:
        """The problem of a fetch that ran out of time."""
        return f"took longer than {self.max_seconds:g} s, the time limit for one fetch"

    def _problem(self, error: requests.RequestException) -> str:
        """Say in a few words what went wrong with a request."""
        if isinstance(error, requests.Timeout) or _caused_by(error, ReadTimeoutError):
            return f"timed out after {self.timeout:g} s"
        if isinstance(error, requests.exceptions.SSLError):
            return f"TLS error: {_reason(error)}"
        if isinstance(error, requests.ConnectionError):
            return f"cannot connect: {_reason(error)}"
        if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
            return f"invalid URL: {error}"
        return f"request failed: {_reason(error)}"


class _Refused(Exception):
    """A host resolves to an address that must not be fetched from."""


class _Unresolved(Exception):
    """A host name does not resolve."""


class _Budget:
    """The wall-clock time one fetch may take: when it runs out, its sockets are shut down.

    A shut-down socket wakes any read blocked on it (headers, body, a TLS handshake) at once,
    however slowly the server was sending. Sockets are watched through a duplicate of their file
    descriptor, which stays valid while TLS wraps the original and is closed with the budget.
    """

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._token: contextvars.Token[_Budget | None] | None = None

    def __enter__(self) -> Self:
        self._token = _BUDGET.set(self)
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        if self._token is not None:
            _BUDGET.reset(self._token)
        with self._lock:
            watched, self._watched = self._watched, []
        for watcher in watched:
            watcher.close()  # the duplicate only: the connection itself may go back to its pool

    def remaining(self) -> float:
        """Seconds left, 0 when the time is up."""
        return max(0.0, self.deadline - time.monotonic())

    def spent(self) -> bool:
        """Whether the time is up."""
        return self.expired or time.monotonic() >= self.deadline

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the time runs out (at once if it already has)."""
        try:
            watcher = socket.socket(fileno=os.dup(sock.fileno()))
        except OSError:
            return  # already closed: nothing left to wake
        with self._lock:
            if not self.expired:
                self._watched.append(watcher)
                return
        _shut(watcher)
        watcher.close()

    def _expire(self) -> None:
        """Mark the time as up and shut every watched socket down (the timer calls this)."""
        with self._lock:
            self.expired = True
            for watcher in self._watched:
                _shut(watcher)


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("budget", default=None)
"""The budget of the fetch running in this thread, if any."""


def _shut(sock: socket.socket) -> None:
    """Shut a socket down both ways, ignoring one already closed."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _watch(sock: socket.socket | None) -> None:
    """Put a connection's socket under the running fetch's budget, if there is one."""
    budget = _BUDGET.get()
    if budget is not None and sock is not None:
        budget.watch(sock)


def _within_budget(call: Callable[[], list[str]], what: str) -> list[str]:
    """Run ``call`` (a name lookup) in a helper thread; give up when the fetch's time is up."""
    budget = _BUDGET.get()
    if budget is None:
        return call()
    outcome: list[list[str] | BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:
            outcome.append(error)

    helper = threading.Thread(target=run, name=f"resolve {what}", daemon=True)
    helper.start()
    helper.join(budget.remaining())
    if not outcome:
        raise _Unresolved(f"cannot resolve host {what!r}: no answer in time")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _system_resolve(host: str, port: int) -> list[str]:
    """Resolve with the system resolver: every TCP address of the host, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _connect(conn: HTTPConnection, policy: AddressPolicy) -> socket.socket:
    """Open the socket of a connection to one of the checked addresses of its host."""
    error: OSError | None = None
    port = conn.port or (443 if isinstance(conn, HTTPSConnection) else 80)
    host = conn._dns_host
    for address in _within_budget(partial(policy.addresses, host, port), host):
        try:
            sock = urllib3_connection.create_connection(
                (address, port),
                _connect_timeout(conn.timeout),
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(
                conn, f"Connection to {conn.host} timed out (connect timeout={conn.timeout})"
            ) from exc
        except OSError as exc:
            error = exc
        else:
            _watch(sock)
            return sock
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


def _connect_timeout(timeout: object) -> float | None:
    """A connection's connect timeout, cut to what is left of the running fetch's budget."""
    budget = _BUDGET.get()
    given = float(timeout) if isinstance(timeout, int | float) else None
    if budget is None:
        return given
    left = budget.remaining()
    if left <= 0:
        raise TimeoutError("no time left")
    return left if given is None else min(given, left)


def _guarded_pools(policy: AddressPolicy) -> dict[str, type[HTTPConnectionPool]]:
    """Connection pool classes whose connections go only to addresses the policy allows.

    Every connection a fetch uses, new or taken from the pool, is put under its time budget.
    """

    class Connection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self, policy)

    class TLSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self, policy)

    class Pool(HTTPConnectionPool):
        ConnectionCls = Connection

        def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
            conn = super()._get_conn(timeout)
            _watch(getattr(conn, "sock", None))
            return conn

    class TLSPool(HTTPSConnectionPool):
        ConnectionCls = TLSConnection

        def _get_conn(self, timeout: float | None = None) -> BaseHTTPConnection:
            conn = super()._get_conn(timeout)
            _watch(getattr(conn, "sock", None))
            return conn

    return {"http": Pool, "https": TLSPool}


class _GuardedAdapter(HTTPAdapter):
    """A requests adapter whose pools check and pin every connection's address."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy  # before super().__init__, which builds the pool manager
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = _guarded_pools(self._policy)


def ip_literal(host: str) -> IPAddress | None:
    """Return the address a host written as an IP literal stands for, else None.

    Takes the host as URLs and urllib3 write it: ``10.0.0.1``, ``::1``, ``[::1]``, and IPv6
    with a zone (``fe80::1%eth0``, URL-encoded ``fe80::1%25eth0``).
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(unquote(text) if ":" in text else text)
    except ValueError:
        return None


def _check_url(url: str, current: str, hop: int) -> None:
    """Refuse a URL (or redirect target) that is not http(s), has no host or a bad IPv6 one."""
    where = f"redirect to {current!r}: " if hop else ""
    try:
        parts = urlsplit(current)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise FetchError(url, f"{where}invalid URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise FetchError(url, f"{where}refused: URL scheme {scheme!r} is not http or https")
    if not host:
        raise FetchError(url, f"{where}invalid URL: no host")
    bracketed = "[" in parts.netloc.rpartition("@")[2]
    if bracketed and not isinstance(ip_literal(host), ipaddress.IPv6Address):
        raise FetchError(url, f"{where}invalid URL: {host!r} is not an IPv6 address")


def _content_type(header: str) -> tuple[str, str | None]:
    """Split a Content-Type header into its lower-case media type and charset."""
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip("\"'"):
            charset = value.strip().strip("\"'")
    return media_type.strip().lower(), charset


def _caused_by(error: BaseException, *kinds: type[BaseException]) -> bool:
    """Whether ``error``, its arguments or anything in its cause chain is one of ``kinds``."""
    seen: set[int] = set()
    todo: list[BaseException] = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kinds):
            return True
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    return False


def _reason(error: BaseException) -> str:
    """The most telling short reason in an error chain: an OS error's text when there is one."""
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return str(current.strerror)
        reason = getattr(current, "reason", None)
        args = [a for a in current.args if isinstance(a, BaseException)]
        nxt = reason if isinstance(reason, BaseException) else (args[0] if args else None)
        current = nxt or current.__cause__ or current.__context__
    return str(error) or type(error).__name__


def _shown(ip: IPAddress) -> str:
    """An address as written in messages: an IPv4-mapped one also in its IPv4 form."""
    mapped = getattr(ip, "ipv4_mapped", None)
    return f"{ip} ({mapped})" if mapped is not None else str(ip)


def _size(limit: int) -> str:
    """A byte limit in words: whole megabytes as "5 MB", else bytes."""
    mib = 1024 * 1024
    return f"{limit // mib} MB" if limit % mib == 0 else f"{limit:,} bytes"
