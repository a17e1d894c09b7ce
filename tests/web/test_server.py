"""The sign-in routes and the gate before every request, on a small Starlette app (no Streamlit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from geo.desk.accounts import Accounts, RateLimits
from geo.desk.auth import AuthConfig, parse_networks
from geo.store.database import Store
from geo.web import server
from geo.web.server import DEVICE_COOKIE, SESSION_COOKIE, GateSettings, safe_next

PASSWORD = "correct horse battery staple"
EMAIL = "desk@news.example"
HTML = {"Accept": "text/html,application/xhtml+xml"}


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(tmp_path: Path, clock: Clock) -> Iterator[Accounts]:
    with Store(f"sqlite:///{tmp_path / 'team.db'}") as store:
        fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        accounts = Accounts(store, hasher=fast, clock=clock)
        accounts.add(EMAIL, PASSWORD, "editor")
        yield accounts


def streamlit_stand_in(settings: GateSettings) -> Starlette:
    """What Streamlit serves, reduced to a page, its metrics, health and the websocket."""

    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("session data")
        await websocket.close()

    return Starlette(
        routes=[
            *server.routes(lambda: settings),
            Route("/", lambda request: PlainTextResponse("MAP")),
            Route("/_stcore/health", lambda request: PlainTextResponse("ok")),
            Route("/_stcore/metrics", lambda request: PlainTextResponse("articles 9")),
            WebSocketRoute("/_stcore/stream", stream),
        ],
        middleware=server.middleware(lambda: settings),
    )


@pytest.fixture
def client(accounts: Accounts) -> TestClient:
    settings = GateSettings(AuthConfig("accounts", session_days=7), accounts)
    return TestClient(streamlit_stand_in(settings), follow_redirects=False)


def browser(settings: GateSettings, address: str = "192.0.2.10") -> TestClient:
    """A browser of its own (its own cookies) at ``address``, the peer the server sees."""
    app = streamlit_stand_in(settings)
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def sign_in(client: TestClient, password: str = PASSWORD, **extra: Any) -> Any:
    form = {"email": EMAIL, "password": password, **extra.pop("form", {})}
    return client.post("/auth/sign-in", data=form, **extra)


# --- signed out -------------------------------------------------------------------------------


def test_a_signed_out_page_request_goes_to_sign_in_and_comes_back_to_the_same_view(
    client: TestClient,
) -> None:
    response = client.get("/?location=rafah-crossing&since=2024-08-01", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/auth/sign-in?next=%2F%3Flocation%3Drafah-crossing%26since%3D2024-08-01"
    )
    form = client.get(response.headers["location"])
    assert form.status_code == 200
    assert 'name="next" value="/?location=rafah-crossing&amp;since=2024-08-01"' in form.text
    assert "default-src 'none'" in form.headers["content-security-policy"]


def test_signed_out_data_requests_get_401(client: TestClient) -> None:
    response = client.get("/")
    assert (response.status_code, response.text) == (401, "Sign in first.")


def test_the_health_check_stays_open(client: TestClient) -> None:
    assert client.get("/_stcore/health").text == "ok"


def test_a_signed_out_websocket_is_closed_before_it_opens(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/_stcore/stream"):
        pass
    assert closed.value.code == 1008


# --- signing in -------------------------------------------------------------------------------


def test_sign_in_sets_a_lasting_httponly_lax_cookie_and_returns_to_the_view(
    client: TestClient,
) -> None:
    response = sign_in(client, form={"next": "/?location=netzarim-junction"})
    assert response.status_code == 303
    assert response.headers["location"] == "/?location=netzarim-junction"  # no token in a URL
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for part in ("HttpOnly", "Max-Age=604800", "Path=/", "SameSite=lax"):
        assert part in cookie
    assert "Secure" not in cookie  # plain HTTP on this machine; see the next test


def test_behind_https_the_cookie_is_secure(client: TestClient) -> None:
    response = sign_in(client, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in response.headers["set-cookie"]


def test_a_signed_in_browser_reloads_opens_tabs_and_links_without_signing_in_again(
    client: TestClient,
) -> None:
    sign_in(client)  # the client keeps the cookie, as a browser does for every tab
    assert client.get("/", headers=HTML).text == "MAP"  # reload
    assert client.get("/?location=rafah-crossing", headers=HTML).text == "MAP"  # shared link
    assert client.get("/_stcore/metrics").text == "articles 9"
    with client.websocket_connect("/_stcore/stream") as websocket:
        assert websocket.receive_text() == "session data"


def test_a_signed_in_browser_can_still_open_the_form_to_switch_accounts(client: TestClient) -> None:
    sign_in(client)
    response = client.get("/auth/sign-in?next=/%3Fbasemap%3Doffline")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("password", "status", "message"),
    [("not the password", 401, "Wrong email or password."), ("", 401, "Wrong email")],
)
def test_a_wrong_password_shows_the_form_again_with_the_reason_and_no_cookie(
    client: TestClient, password: str, status: int, message: str
) -> None:
    response = sign_in(client, password)
    assert response.status_code == status
    assert message in response.text
    assert "set-cookie" not in response.headers
    assert f'value="{EMAIL}"' in response.text  # the email stays filled in


def test_repeated_failures_are_rate_limited(client: TestClient) -> None:
    for _ in range(5):
        assert sign_in(client, "still not it").status_code == 401
    limited = sign_in(client, PASSWORD)
    assert limited.status_code == 429
    assert "Too many failed sign-ins for this email" in limited.text
    assert "set-cookie" not in limited.headers


def test_a_cross_site_form_post_is_refused(client: TestClient) -> None:
    response = sign_in(client, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/?location=rafah-crossing", "/?location=rafah-crossing"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
        ("/auth/sign-out", "/"),
    ],
)
def test_next_is_only_ever_a_path_on_this_site(target: str | None, safe: str) -> None:
    assert safe_next(target) == safe


def test_the_form_escapes_what_it_echoes(client: TestClient) -> None:
    hostile = '/?x="><script>alert(1)</script>'
    page = client.get("/auth/sign-in", params={"next": hostile})
    assert "<script>" not in page.text
    wrong = sign_in(client, "nope", form={"email": '"><img src=x onerror=alert(1)>'})
    assert "<img" not in wrong.text


# --- sessions end -----------------------------------------------------------------------------


def test_sign_out_ends_the_session_and_drops_the_cookie(client: TestClient) -> None:
    sign_in(client)
    token = client.cookies[SESSION_COOKIE]
    response = client.post("/auth/sign-out")
    assert response.status_code == 303
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    client.cookies.set(SESSION_COOKIE, token)  # a copy of the old cookie is worth nothing
    assert client.get("/", headers=HTML).status_code == 303


@pytest.mark.parametrize(
    "end",
    [
        lambda accounts, clock: accounts.set_disabled(EMAIL, True),
        lambda accounts, clock: accounts.remove(EMAIL),
        lambda accounts, clock: accounts.end_sessions(EMAIL),
        lambda accounts, clock: setattr(clock, "now", clock.now + dt.timedelta(days=7)),
    ],
    ids=["disabled", "removed", "signed out elsewhere", "expired"],
)
def test_a_session_ends_everywhere_when_the_account_does(
    client: TestClient, accounts: Accounts, clock: Clock, end: Any
) -> None:
    sign_in(client)
    assert client.get("/", headers=HTML).text == "MAP"
    end(accounts, clock)
    assert client.get("/", headers=HTML).status_code == 303
    assert client.get("/_stcore/metrics").status_code == 403


def test_only_the_hash_of_a_token_is_stored(client: TestClient, accounts: Accounts) -> None:
    import sqlalchemy as sa

    sign_in(client)
    token = client.cookies[SESSION_COOKIE]
    with accounts._store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM sign_in_sessions")).scalars().all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


@pytest.mark.parametrize("token", ["", "x" * 5000, "not-a-token", "é"])
def test_made_up_tokens_are_no_session(accounts: Accounts, token: str) -> None:
    assert accounts.session_user(token) is None


# --- other modes ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["local", "oidc"])
def test_other_modes_pass_through_and_have_no_sign_in_form(mode: str) -> None:
    settings = GateSettings(AuthConfig(mode), None)  # type: ignore[arg-type]
    client = TestClient(streamlit_stand_in(settings), follow_redirects=False)
    assert client.get("/", headers=HTML).text == "MAP"
    assert client.get("/auth/sign-in").status_code == 404


# --- metrics, in every mode -------------------------------------------------------------------


def accounts_settings(accounts: Accounts, *proxies: str) -> GateSettings:
    config = AuthConfig("accounts", trusted_proxies=parse_networks(proxies, "test"))
    return GateSettings(config, accounts)


@pytest.mark.parametrize("mode", ["local", "oidc", "accounts"])
@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/metrics/", "/map/_stcore/metrics"])
@pytest.mark.parametrize("headers", [{}, HTML])
def test_metrics_are_refused_without_a_signed_in_session(
    accounts: Accounts, mode: str, path: str, headers: dict[str, str]
) -> None:
    settings = GateSettings(AuthConfig(mode), accounts if mode == "accounts" else None)  # type: ignore[arg-type]
    response = browser(settings).get(path, headers=headers)
    assert response.status_code == 403
    assert "articles" not in response.text


def test_metrics_answer_a_signed_in_session(client: TestClient) -> None:
    sign_in(client)
    assert client.get("/_stcore/metrics").text == "articles 9"


@pytest.mark.parametrize("mode", ["local", "oidc"])
def test_other_modes_still_pass_the_page_health_and_websocket(mode: str) -> None:
    client = browser(GateSettings(AuthConfig(mode), None))  # type: ignore[arg-type]
    assert client.get("/", headers=HTML).text == "MAP"
    assert client.get("/_stcore/health").text == "ok"
    with client.websocket_connect("/_stcore/stream") as websocket:
        assert websocket.receive_text() == "session data"


# --- known devices and the back-off -----------------------------------------------------------


def test_sign_in_makes_the_browser_a_known_device_until_long_after_sign_out(
    client: TestClient,
) -> None:
    response = sign_in(client, headers={"X-Forwarded-Proto": "https"})
    device = next(c for c in response.headers.get_list("set-cookie") if c.startswith(DEVICE_COOKIE))
    for part in ("HttpOnly", "Max-Age=15552000", "Path=/auth", "SameSite=lax", "Secure"):
        assert part in device
    client.post("/auth/sign-out")
    assert DEVICE_COOKIE in client.cookies  # signing out keeps the device known


def wrong_guesses(settings: GateSettings, addresses: int, **headers: str) -> list[int]:
    """A stranger's wrong passwords for EMAIL, one from each address; their statuses."""
    return [
        sign_in(browser(settings, f"198.51.100.{n}"), "a wrong guess", headers=headers).status_code
        for n in range(addresses)
    ]


@pytest.mark.parametrize("addresses", [8, 100])
def test_a_stranger_cannot_lock_the_owner_out(
    accounts: Accounts, clock: Clock, addresses: int
) -> None:
    settings = accounts_settings(accounts)
    desk = browser(settings)
    assert sign_in(desk).status_code == 303  # the owner's usual browser, signed in before
    desk.post("/auth/sign-out")

    statuses = wrong_guesses(settings, addresses)
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}  # slowed down, not locked

    assert sign_in(desk).status_code == 303  # the usual browser: at once
    elsewhere = browser(settings, "192.0.2.99")
    refused = sign_in(elsewhere)
    assert refused.status_code == 429
    assert "in 1 second" in refused.text  # a new browser: after a short back-off
    clock.now += dt.timedelta(seconds=1)
    assert sign_in(elsewhere).status_code == 303


def test_the_back_off_of_a_long_attack_stays_at_a_few_minutes(
    accounts: Accounts, clock: Clock
) -> None:
    settings = accounts_settings(accounts)
    for n in range(30):  # every guess the back-off lets through, for hours
        assert wrong_guesses(settings, 1) == [401], n
        clock.now += RateLimits().delay(n + 1)
    clock.now -= dt.timedelta(seconds=1)
    assert "in 1 second" in sign_in(browser(settings, "192.0.2.99")).text
    clock.now += dt.timedelta(seconds=1)
    assert sign_in(browser(settings, "192.0.2.99")).status_code == 303


def failures_claiming(settings: GateSettings, peer: str, addresses: list[str]) -> None:
    """Twenty failed sign-ins from ``peer``, each for another email, claiming ``addresses``."""
    for n in range(20):
        form = {"email": f"guess{n}@news.example"}
        headers = {"X-Real-IP": addresses[n % len(addresses)]}
        assert (
            sign_in(browser(settings, peer), "nope", form=form, headers=headers).status_code == 401
        )


@pytest.mark.parametrize("proxies", [(), ("127.0.0.1", "::1")], ids=["default", "not the peer"])
def test_x_real_ip_from_an_untrusted_peer_is_ignored(
    accounts: Accounts, proxies: tuple[str, ...]
) -> None:
    settings = accounts_settings(accounts, *proxies)
    failures_claiming(settings, "203.0.113.5", [f"198.51.100.{n}" for n in range(20)])
    refused = sign_in(browser(settings, "203.0.113.5"), headers={"X-Real-IP": "192.0.2.1"})
    assert refused.status_code == 429 and "network address" in refused.text
    assert sign_in(browser(settings, "203.0.113.6")).status_code == 303


@pytest.mark.parametrize(
    ("proxies", "peer"),
    [
        (("127.0.0.1", "::1"), "127.0.0.1"),
        (("127.0.0.1", "::1"), "::1"),
        (("10.0.0.0/8",), "10.4.0.2"),
    ],
)
def test_x_real_ip_from_a_trusted_proxy_names_the_client(
    accounts: Accounts, proxies: tuple[str, ...], peer: str
) -> None:
    settings = accounts_settings(accounts, *proxies)
    failures_claiming(settings, peer, ["198.51.100.7"])
    refused = sign_in(browser(settings, peer), headers={"X-Real-IP": "198.51.100.7"})
    assert refused.status_code == 429 and "network address" in refused.text
    assert sign_in(browser(settings, peer), headers={"X-Real-IP": "192.0.2.1"}).status_code == 303


def test_proxy_headers_from_an_untrusted_peer_are_logged_once(
    accounts: Accounts, caplog: pytest.LogCaptureFixture
) -> None:
    server._warn_untrusted_proxy.cache_clear()
    client = browser(accounts_settings(accounts), "127.0.0.1")
    for _ in range(3):
        sign_in(client, "nope", headers={"X-Real-IP": "198.51.100.1"})
    warnings = [r for r in caplog.records if "not a trusted proxy" in r.getMessage()]
    assert len(warnings) == 1 and "GEO_TRUSTED_PROXIES" in warnings[0].getMessage()
