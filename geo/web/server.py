"""The HTTP side of the app: a sign-in that lasts (accounts mode) and a gate before every request.

``app.py`` hands :func:`routes` and :func:`middleware` to ``st.App``, so ``streamlit run
app.py`` serves them beside Streamlit's own routes (Starlette under uvicorn).

In accounts mode a browser signs in once at ``/auth/sign-in`` (a plain HTML form, posted to
the server, never through the websocket); the answer sets an HttpOnly, SameSite=Lax cookie
holding a random session token whose SHA-256 is stored with the account
(:meth:`~geo.desk.accounts.Accounts.start_session`). Every later request, the page, its
assets, the websocket and ``/_stcore/*`` included, passes :class:`SignInGate`, which looks the
token up: a reload, a new tab and a shared link need no second sign-in, for
``session_days`` (14 by default); signing out or disabling the account ends the session
everywhere at once. Local and OIDC modes pass through (OIDC keeps ``st.login``'s cookie),
except for Streamlit's ``/_stcore/metrics``, which in every mode answers only a signed-in
accounts-mode session: its counters tell how many articles are stored and how the map is used.

A successful sign-in also makes the browser a known device of the account (a second,
long-lived cookie, sent only to ``/auth/``): failed sign-ins slow an account down, but a
known device counts only its own failures, so a stranger guessing elsewhere does not hold up
the owner. Sign-ins are rate-limited per network address too: the socket peer's, or the one a
trusted proxy (``trusted_proxies``) reports in ``X-Real-IP`` / ``X-Forwarded-For``.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from geo.desk.accounts import Accounts, RateLimited, User
from geo.desk.auth import AuthConfig, Network, client_key, is_trusted_proxy
from geo.store.database import Store

SESSION_COOKIE = "cm_session"
DEVICE_COOKIE = "cm_device"
DEVICE_COOKIE_PATH = "/auth"
KNOWN_DEVICE_LIFETIME = dt.timedelta(days=180)
"""How long a browser stays a known device of an account after its latest sign-in there."""
SIGN_IN_PATH = "/auth/sign-in"
SIGN_OUT_PATH = "/auth/sign-out"
OPEN_PATHS = frozenset({SIGN_IN_PATH, "/_stcore/health", "/favicon.png"})
"""What a signed-out browser may fetch: the sign-in page and the health check."""
METRICS_PATH = "/_stcore/metrics"
"""Streamlit's usage counters: only for a signed-in accounts-mode session, in every mode."""
LOOKUP_SECONDS = 5.0
"""How long the gate trusts a looked-up session for a static file (a page load fetches dozens).
The page, the websocket and every other request look the session up each time."""
ASSET_PREFIXES = ("/static/", "/app/static/", "/component/", "/media/")
MAX_FORM_BYTES = 8192

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateSettings:
    """What the gate needs: the sign-in configuration and, in accounts mode, the accounts."""

    config: AuthConfig
    accounts: Accounts | None


def routes(settings: Callable[[], GateSettings] | None = None) -> list[Route]:
    """The sign-in and sign-out routes (they answer 404 outside accounts mode)."""
    pages = _Pages(settings or default_settings)
    return [
        Route(SIGN_IN_PATH, pages.sign_in, methods=["GET", "POST"]),
        Route(SIGN_OUT_PATH, pages.sign_out, methods=["POST"]),
    ]


def middleware(settings: Callable[[], GateSettings] | None = None) -> list[Middleware]:
    """The gate every request passes before Streamlit sees it."""
    return [Middleware(SignInGate, settings=settings or default_settings)]


_default: GateSettings | None = None
_default_lock = threading.Lock()


def default_settings() -> GateSettings:
    """Read the configuration (``.streamlit/secrets.toml``, environment) and open the store once."""
    global _default
    with _default_lock:
        if _default is None:
            config = read_auth_config()
            accounts = Accounts(Store()) if config.mode == "accounts" else None
            _default = GateSettings(config, accounts)
        return _default


def read_auth_config() -> AuthConfig:
    """The sign-in configuration: ``.streamlit/secrets.toml`` (st.secrets) and the environment.

    Raises :class:`~geo.desk.auth.AuthConfigError` when it is wrong. The page and the gate
    both read it here.
    """
    import streamlit as st

    secrets = st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
    return AuthConfig.from_settings(secrets, os.environ)


class SignInGate:
    """ASGI middleware: in accounts mode, nothing but the sign-in page without a live session."""

    def __init__(self, app: ASGIApp, settings: Callable[[], GateSettings]) -> None:
        self.app = app
        self.settings = settings
        self._seen: dict[str, tuple[float, User | None]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        settings = await run_in_threadpool(self.settings)
        metrics = scope["type"] == "http" and is_metrics_path(scope["path"])
        if settings.accounts is None and not metrics:
            await self.app(scope, receive, send)
            return
        user = await self._signed_in(scope, settings.accounts)
        if user is not None:
            await self.app(scope, receive, send)
        elif metrics:
            await _forbidden(scope, receive, send)
        else:
            await self._refuse(scope, receive, send)

    async def _signed_in(self, scope: Scope, accounts: Accounts | None) -> User | None:
        """The account of the request's session cookie; None without one (or without accounts)."""
        token = _cookie(Headers(scope=scope), SESSION_COOKIE)
        if accounts is None or not token:
            return None
        cached = scope["type"] == "http" and scope["path"].startswith(ASSET_PREFIXES)
        return await run_in_threadpool(self._user, accounts, token, cached)

    def _user(self, accounts: Accounts, token: str, cached: bool) -> User | None:
        """The session's account; with ``cached``, looked up at most every LOOKUP_SECONDS."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(token)
        if cached and seen is not None and now - seen[0] < LOOKUP_SECONDS:
            return seen[1]
        user = accounts.session_user(token)
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[token] = (now, user)
        return user

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Close a websocket; send a page request to sign in; answer anything else 401."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "sign in first"})
            return
        request = Request(scope, receive)
        wants_page = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        if wants_page:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response: Response = RedirectResponse(
                f"{SIGN_IN_PATH}?next={quote(target, safe='')}", status_code=303
            )
        else:
            response = PlainTextResponse("Sign in first.", status_code=401)
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)


class _Pages:
    """The sign-in form and the sign-out action."""

    def __init__(self, settings: Callable[[], GateSettings]) -> None:
        self.settings = settings

    async def sign_in(self, request: Request) -> Response:
        """GET: the form. POST: check the password, open a session, go back where asked."""
        settings = await run_in_threadpool(self.settings)
        accounts = settings.accounts
        if accounts is None:
            return PlainTextResponse("Not found", status_code=404)
        target = safe_next(request.query_params.get("next"))
        if request.method == "GET":
            return sign_in_page(target)
        if not _same_origin(request):
            return sign_in_page(target, "This form must be sent from this site.", status=403)
        try:
            form = await request.form(max_files=0, max_fields=4, max_part_size=MAX_FORM_BYTES)
        except Exception:  # any unreadable form gets the same answer
            return sign_in_page(target, "The form could not be read; try again.", status=400)
        email, password = str(form.get("email") or ""), str(form.get("password") or "")
        target = safe_next(str(form.get("next") or target))
        device = request.cookies.get(DEVICE_COOKIE)
        key = request_client_key(request, settings.config.trusted_proxies)
        try:
            user = await run_in_threadpool(accounts.verify, email, password, key, device)
        except RateLimited as limited:
            return sign_in_page(target, str(limited), status=429, email=email)
        if user is None:
            return sign_in_page(target, "Wrong email or password.", status=401, email=email)
        lifetime = settings.config.session_lifetime
        return await _signed_in_response(request, accounts, user, lifetime, target)

    async def sign_out(self, request: Request) -> Response:
        """End every session of the signed-in account and drop the cookie."""
        settings = await run_in_threadpool(self.settings)
        accounts = settings.accounts
        if accounts is None:
            return PlainTextResponse("Not found", status_code=404)
        if not _same_origin(request):
            return PlainTextResponse("This form must be sent from this site.", status_code=403)
        token = request.cookies.get(SESSION_COOKIE)
        user = await run_in_threadpool(accounts.session_user, token)
        if user is not None:
            await run_in_threadpool(accounts.end_sessions, user.email)
        response = RedirectResponse(SIGN_IN_PATH, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        return response


async def _signed_in_response(
    request: Request, accounts: Accounts, user: User, lifetime: dt.timedelta, target: str
) -> Response:
    """Open a session, make this browser a known device of the account, go to ``target``."""
    token = await run_in_threadpool(accounts.start_session, user.email, lifetime)
    device = await run_in_threadpool(
        accounts.remember_device,
        user.email,
        KNOWN_DEVICE_LIFETIME,
        request.cookies.get(DEVICE_COOKIE),
    )
    response = RedirectResponse(target, status_code=303)
    secure = _is_https(request)
    set_session_cookie(response, token, lifetime, secure=secure)
    set_device_cookie(response, device, secure=secure)
    return response


def request_client_key(request: Request, trusted_proxies: Sequence[Network]) -> str:
    """The address to rate-limit a sign-in by (:func:`~geo.desk.auth.client_key`)."""
    peer = request.client.host if request.client else None
    if _names_a_client(request.headers) and not is_trusted_proxy(peer, trusted_proxies):
        _warn_untrusted_proxy(peer)
    return client_key(request.headers, peer, trusted_proxies)


def _names_a_client(headers: Mapping[str, str]) -> bool:
    """Whether a request carries a proxy's client address header."""
    return bool(headers.get("x-real-ip") or headers.get("x-forwarded-for"))


@functools.lru_cache(maxsize=64)
def _warn_untrusted_proxy(peer: str | None) -> None:
    """Log once per peer that its client headers were ignored (a proxy missing from the list?)."""
    _log.warning(
        "sign-in: ignored X-Real-IP/X-Forwarded-For from %r, not a trusted proxy; if it is your "
        "reverse proxy, list it in GEO_TRUSTED_PROXIES (or trusted_proxies under "
        "[contested_map]), else every visitor shares its address for the rate limits",
        peer,
    )


async def _forbidden(scope: Scope, receive: Receive, send: Send) -> None:
    """Refuse a request that only a signed-in accounts-mode session may make (metrics)."""
    response = PlainTextResponse("Forbidden.", status_code=403)
    response.headers["Cache-Control"] = "no-store"
    await response(scope, receive, send)


def is_metrics_path(path: str) -> bool:
    """Whether ``path`` is Streamlit's metrics endpoint (under any base URL path, any slash)."""
    return path.rstrip("/").endswith(METRICS_PATH)


def set_device_cookie(response: Response, token: str, *, secure: bool) -> None:
    """Mark this browser a known device: HttpOnly, SameSite=Lax, sent only to ``/auth/``.

    It outlives the session (KNOWN_DEVICE_LIFETIME) and survives signing out: it lets its
    owner sign in while a stranger's failed guesses slow the account down elsewhere.
    """
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=int(KNOWN_DEVICE_LIFETIME.total_seconds()),
        path=DEVICE_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def set_session_cookie(
    response: Response, token: str, lifetime: dt.timedelta, *, secure: bool
) -> None:
    """Give the browser its session: HttpOnly (no script reads it), SameSite=Lax, site-wide.

    Lax, not Strict: a shared link opened from mail or chat is a cross-site navigation, and
    must arrive signed in. Lax still keeps the cookie off cross-site form posts.
    """
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def safe_next(target: str | None) -> str:
    """Return ``target`` when it is a path on this site, else ``/`` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(char) < 0x20 for char in target):
        return "/"
    if parts.path.startswith("/auth/"):
        return "/"
    return target


def sign_in_page(
    target: str, error: str | None = None, *, status: int = 200, email: str = ""
) -> Response:
    """The sign-in form, self-contained (no script, no outside asset)."""
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = _SIGN_IN_HTML.format(
        action=html.escape(SIGN_IN_PATH),
        next=html.escape(target),
        email=html.escape(email[:320]),
        message=message,
    )
    response = HTMLResponse(body, status_code=status)
    response.headers.update(
        {
            "Cache-Control": "no-store",
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                "frame-ancestors 'none'; base-uri 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        }
    )
    return response


def _cookie(headers: Mapping[str, str], name: str) -> str | None:
    """The value of cookie ``name`` in a request's Cookie header (as browsers send it)."""
    return cookie_parser(headers.get("cookie", "")).get(name)


def _same_origin(request: Request) -> bool:
    """Whether a form post comes from this site (Origin, else Referer, matches Host)."""
    host = request.headers.get("host", "")
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True  # browsers send Origin with every form post; a script is no CSRF
    return urlsplit(origin).netloc == host


def _is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly or through the proxy)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


_SIGN_IN_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Contested Map</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f6f7f9;color:#1f2328;
margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}}
main{{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:2rem 2.25rem;width:22rem}}
h1{{font-size:1.5rem;margin:0 0 .25rem}} p.lead{{color:#57606a;margin:0 0 1.25rem}}
label{{display:block;font-weight:600;margin:.75rem 0 .25rem}}
input{{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #d0d7de;border-radius:6px;
font-size:1rem}}
button{{margin-top:1.25rem;width:100%;padding:.6rem;border:0;border-radius:6px;background:#d33;
color:#fff;font-size:1rem;font-weight:600;cursor:pointer}}
.error{{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:.5rem .75rem}}
</style></head>
<body><main>
<h1>Contested Map</h1>
<p class="lead">Sign in to see the map.</p>
{message}
<form method="post" action="{action}">
<input type="hidden" name="next" value="{next}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" value="{email}" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</main></body></html>
"""
