"""Who may enter: the configuration (pure) and the sign-in gate run by Streamlit's AppTest."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from geo.desk.accounts import Accounts
from geo.desk.auth import (
    AuthConfig,
    AuthConfigError,
    client_key,
    is_local_request,
    parse_networks,
)
from geo.store.database import Store

COOKIE_SECRET = "k" * 43
AUTH = {
    "redirect_uri": "https://map.example.org/oauth2callback",
    "cookie_secret": COOKIE_SECRET,
}
GOOGLE = {
    "client_id": "id.apps.googleusercontent.com",
    "client_secret": "placeholder",
    "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
}
ENTRA = {
    "client_id": "00000000-0000-0000-0000-000000000000",
    "client_secret": "placeholder",
    "server_metadata_url": "https://login.microsoftonline.com/tenant-id/v2.0/.well-known/openid-configuration",
}
ROLES = {
    "admins": ["boss@news.example"],
    "editors": ["@news.example"],
    "viewers": ["guest@partner.example"],
}


def oidc(**section: Any) -> dict[str, Any]:
    """Secrets for OIDC mode with Google and the given [contested_map] entries."""
    return {
        "auth": {**AUTH, "google": GOOGLE},
        "contested_map": {"auth_mode": "oidc", "roles": ROLES, **section},
    }


# --- configuration --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secrets", "environ", "mode", "providers"),
    [
        ({}, {}, "local", ()),
        ({}, {"GEO_AUTH_MODE": "accounts"}, "accounts", ()),
        ({}, {"GEO_AUTH_MODE": " Accounts "}, "accounts", ()),
        ({"contested_map": {"auth_mode": "accounts"}}, {}, "accounts", ()),
        ({"contested_map": {"auth_mode": "accounts"}}, {"GEO_AUTH_MODE": "local"}, "local", ()),
        ({"contested_map": {"auth_mode": "accounts"}}, {"GEO_AUTH_MODE": ""}, "accounts", ()),
        (oidc(), {}, "oidc", ("google",)),
        (oidc(auth_mode="local"), {"GEO_AUTH_MODE": "oidc"}, "oidc", ("google",)),
        (
            {"auth": {**AUTH, **GOOGLE}, "contested_map": {"roles": ROLES}},
            {"GEO_AUTH_MODE": "oidc"},
            "oidc",
            (None,),
        ),
        (
            {
                "auth": {**AUTH, "google": GOOGLE, "microsoft": ENTRA},
                "contested_map": {"auth_mode": "oidc", "default_role": "viewer"},
            },
            {},
            "oidc",
            ("google", "microsoft"),
        ),
        (
            {
                "auth": {**AUTH, **GOOGLE, "client_kwargs": {"prompt": "login"}},
                "contested_map": {"auth_mode": "oidc", "roles": ROLES},
            },
            {},
            "oidc",
            (None,),
        ),
    ],
)
def test_valid_configurations(
    secrets: dict[str, Any], environ: dict[str, str], mode: str, providers: tuple[str | None, ...]
) -> None:
    config = AuthConfig.from_settings(secrets, environ)
    assert (config.mode, config.providers) == (mode, providers)


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}


@pytest.mark.parametrize(
    ("secrets", "environ", "message"),
    [
        ({}, {"GEO_AUTH_MODE": "ldap"}, "unknown auth mode 'ldap' (from GEO_AUTH_MODE)"),
        ({"contested_map": {"auth_mode": 3}}, {}, "unknown auth mode 3 (from auth_mode)"),
        ({"contested_map": "oidc"}, {}, "[contested_map] must be a table, got 'oidc'"),
        (oidc(roles={"admins": "boss@news.example"}), {}, "admins must be a list"),
        (oidc(roles={"editors": ["news.example"]}), {}, "'news.example' is neither an email"),
        (oidc(roles={"editors": ["@"]}), {}, "'@' is neither an email"),
        (oidc(roles={"editors": [7]}), {}, "7 is neither an email"),
        (oidc(roles={"admin": ["a@news.example"]}), {}, "unknown key(s) ['admin']"),
        (
            oidc(roles={"admins": ["A@news.example"], "viewers": ["a@news.example"]}),
            {},
            "lists 'a@news.example' as both admin and viewer",
        ),
        (
            oidc(roles={"editors": ["@news.example"], "viewers": ["@NEWS.example"]}),
            {},
            "lists '@NEWS.example' as both editor and viewer",
        ),
        (oidc(default_role="owner"), {}, "default_role 'owner' is not a role"),
        (oidc(roles={}), {}, "auth mode 'oidc' lets nobody in"),
        (_without(oidc(), "auth"), {}, "needs an [auth] section in .streamlit/secrets.toml"),
        (
            oidc() | {"auth": {"cookie_secret": COOKIE_SECRET, "google": GOOGLE}},
            {},
            "[auth] lacks redirect_uri",
        ),
        (
            oidc() | {"auth": {**AUTH, "redirect_uri": "/oauth2callback", "google": GOOGLE}},
            {},
            "redirect_uri must be an absolute http(s) URL, got '/oauth2callback'",
        ),
        (
            oidc()
            | {"auth": {**AUTH, "redirect_uri": "https://map.example.org/", "google": GOOGLE}},
            {},
            "must end in /oauth2callback",
        ),
        (
            oidc() | {"auth": {**AUTH, "cookie_secret": "short-secret", "google": GOOGLE}},
            {},
            "cookie_secret has 12 characters; use at least 32",
        ),
        (oidc() | {"auth": AUTH}, {}, "[auth] names no identity provider"),
        (
            oidc() | {"auth": {**AUTH, "google": GOOGLE | {"client_secret": "REPLACE-ME"}}},
            {},
            "[auth.google] client_secret is still the REPLACE-ME placeholder",
        ),
        (
            oidc() | {"auth": {**AUTH, "google": _without(GOOGLE, "client_secret")}},
            {},
            "[auth.google] lacks client_secret",
        ),
        (
            oidc() | {"auth": {**AUTH, **_without(GOOGLE, "client_id"), "client_id": ""}},
            {},
            "[auth] lacks client_id",
        ),
        (
            oidc() | {"auth": {**AUTH, "google_ws": GOOGLE}},
            {},
            "refuses provider names with '_', got 'google_ws'",
        ),
        (
            oidc()
            | {"auth": {**AUTH, "google": GOOGLE | {"server_metadata_url": "http://idp.example/"}}},
            {},
            "server_metadata_url must be an https URL, got 'http://idp.example/'",
        ),
    ],
)
def test_invalid_configurations_say_what_is_wrong(
    secrets: dict[str, Any], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(AuthConfigError, match=re.escape(message)) as raised:
        AuthConfig.from_settings(secrets, environ)
    assert COOKIE_SECRET[:12] not in str(raised.value)
    assert "short-secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("boss@news.example", "admin"),
        (" Boss@NEWS.example ", "admin"),  # the person's own entry beats the domain's
        ("reporter@news.example", "editor"),
        ("guest@partner.example", "viewer"),
        ("other@partner.example", None),
        ("someone@desk.news.example", None),  # a domain entry is not its subdomains
        ("someone@fakenews.example", None),
        ("news.example", None),
        ("", None),
    ],
)
def test_role_for_email_and_domain_entries(email: str, role: str | None) -> None:
    assert AuthConfig.from_settings(oidc()).role_for(email) == role


def test_default_role_lets_every_signed_in_user_look() -> None:
    config = AuthConfig.from_settings(oidc(default_role="viewer"))
    assert config.role_for("anyone@elsewhere.example") == "viewer"
    assert config.role_for("boss@news.example") == "admin"
    assert config.role_for("not an email") is None


NGINX = "127.0.0.1"
LOOPBACK = parse_networks(["127.0.0.1", "::1"], "test")
PROXY_NET = parse_networks(["10.0.0.0/8"], "test")


@pytest.mark.parametrize(
    ("headers", "peer", "trusted", "key"),
    [
        ({}, "203.0.113.9", (), "203.0.113.9"),
        ({}, None, (), "unknown"),
        ({}, "testclient", LOOPBACK, "testclient"),
        # no trusted proxy (the default): the client's own headers are ignored
        ({"X-Real-IP": "198.51.100.1"}, "203.0.113.9", (), "203.0.113.9"),
        ({"X-Forwarded-For": "198.51.100.1"}, NGINX, (), NGINX),
        # the peer is not one of the trusted proxies
        ({"X-Real-IP": "198.51.100.1"}, "203.0.113.9", LOOPBACK, "203.0.113.9"),
        # a trusted proxy: X-Real-IP first, then the last X-Forwarded-For hop not a proxy
        ({"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "10.1.1.1"}, NGINX, LOOPBACK,
         "203.0.113.9"),
        ({"X-Forwarded-For": "6.6.6.6, 198.51.100.7"}, "::1", LOOPBACK, "198.51.100.7"),
        ({"x-forwarded-for": " 198.51.100.7 "}, NGINX, LOOPBACK, "198.51.100.7"),
        ({"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.2.0.5"}, "10.9.0.1", PROXY_NET,
         "198.51.100.7"),
        ({"X-Forwarded-For": " , "}, NGINX, LOOPBACK, NGINX),
        # IPv6 by its /64; IPv4-mapped IPv6 as IPv4
        ({}, "2001:db8:1:2:aaaa::1", (), "2001:db8:1:2::/64"),
        ({"X-Real-IP": "2001:db8:1:2::ffff"}, NGINX, LOOPBACK, "2001:db8:1:2::/64"),
        ({}, "::ffff:203.0.113.9", (), "203.0.113.9"),
    ],
)  # fmt: skip
def test_client_key_trusts_proxy_headers_only_from_trusted_proxies(
    headers: dict[str, str], peer: str | None, trusted: tuple[Any, ...], key: str
) -> None:
    assert client_key(headers, peer, trusted) == key


@pytest.mark.parametrize(
    ("section", "environ", "trusted"),
    [
        ({}, {}, []),
        ({"trusted_proxies": ["127.0.0.1", "::1"]}, {}, ["127.0.0.1/32", "::1/128"]),
        ({"trusted_proxies": ["172.16.0.0/12"]}, {}, ["172.16.0.0/12"]),
        ({"trusted_proxies": ["127.0.0.1"]}, {"GEO_TRUSTED_PROXIES": "10.0.0.0/8, ::1"},
         ["10.0.0.0/8", "::1/128"]),
        ({}, {"GEO_TRUSTED_PROXIES": "10.0.0.7 10.0.0.8"}, ["10.0.0.7/32", "10.0.0.8/32"]),
        ({}, {"GEO_TRUSTED_PROXIES": "  "}, []),
    ],
)  # fmt: skip
def test_trusted_proxies_come_from_the_secrets_or_the_environment(
    section: dict[str, Any], environ: dict[str, str], trusted: list[str]
) -> None:
    for mode in ("local", "accounts"):
        config = AuthConfig.from_settings(
            {"contested_map": {"auth_mode": mode, **section}}, environ
        )
        assert [str(network) for network in config.trusted_proxies] == trusted


def test_oidc_mode_reads_trusted_proxies_too() -> None:
    config = AuthConfig.from_settings(oidc(trusted_proxies=["::1"]))
    assert [str(network) for network in config.trusted_proxies] == ["::1/128"]


@pytest.mark.parametrize(
    ("section", "environ", "message"),
    [
        ({"trusted_proxies": "127.0.0.1"}, {}, r"must be a list.*got '127\.0\.0\.1'"),
        ({"trusted_proxies": ["nginx"]}, {}, r"trusted_proxies: 'nginx' is not an IP address"),
        ({"trusted_proxies": [8]}, {}, r"8 is not an IP address"),
        ({}, {"GEO_TRUSTED_PROXIES": "10.0.0.0/33"}, r"GEO_TRUSTED_PROXIES: '10\.0\.0\.0/33'"),
    ],
)
def test_bad_trusted_proxies_are_refused_naming_the_value(
    section: dict[str, Any], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(AuthConfigError, match=message):
        AuthConfig.from_settings({"contested_map": section}, environ)


@pytest.mark.parametrize(
    ("headers", "address", "local"),
    [
        ({}, None, True),
        ({}, "::1", True),
        ({"Host": "localhost:8501"}, "127.0.0.1", True),
        ({"Host": "127.0.0.1:8501"}, None, True),
        ({"Host": "[::1]:8501"}, None, True),
        ({}, "0.0.0.0", False),
        ({}, "192.168.1.5", False),
        ({"Host": "map.example.org"}, "127.0.0.1", False),
        ({"Host": "192.168.1.5:8501"}, None, False),
        ({"Host": "localhost:8501", "X-Forwarded-For": "203.0.113.9"}, "127.0.0.1", False),
        ({"Host": "localhost:8501", "X-Real-IP": "127.0.0.1"}, "127.0.0.1", False),
    ],
)
def test_local_mode_answers_only_direct_requests_on_this_machine(
    headers: dict[str, str], address: str | None, local: bool
) -> None:
    assert is_local_request(headers, address) is local


# --- the sign-in gate in a running script ---------------------------------------------------------

SCRIPT = """
import streamlit as st
from geo.store.database import Store
from geo.web.signin import auth_config, current_user, sign_out_button

config = auth_config()
store = Store()
user = current_user(config, store)
sign_out_button(user, config, store)
st.markdown(f"DATA for {user.email} as {user.role}")
"""
PASSWORD = "correct horse battery"


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    monkeypatch.setenv("GEO_DB_URL", url)
    with Store(url) as store:
        fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        Accounts(store, hasher=fast).add("desk@news.example", PASSWORD, "editor")
    yield url


@pytest.fixture
def page(tmp_path: Path, db_file: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("GEO_AUTH_MODE", "accounts")
    script = tmp_path / "page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    return at.run()


def shown(at: AppTest) -> str:
    assert not at.exception, at.exception
    return " ".join(m.value for m in at.markdown)


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


@pytest.fixture
def browser_session(db_file: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A sign-in session as geo.web.server opens one; the page reads it as the cookie's."""
    with Store(db_file) as store:
        token = Accounts(store).start_session("desk@news.example", dt.timedelta(days=1))
    monkeypatch.setattr("geo.web.signin.session_token", lambda: token)
    return token


def test_nobody_signed_in_sees_no_data_and_a_way_to_sign_in(page: AppTest) -> None:
    assert "DATA" not in shown(page)
    assert page.title[0].value == "Contested Map"
    assert not page.text_input  # passwords go to the server's form, never through the websocket
    assert [b.proto.url for b in page.get("link_button")] == ["/auth/sign-in"]


def test_a_session_signs_the_page_in_across_reruns_until_sign_out(
    browser_session: str, page: AppTest
) -> None:
    assert shown(page) == "DATA for desk@news.example as editor"
    assert page.sidebar.caption[0].value == "Signed in as desk@news.example (editor)"
    assert "DATA for desk" in shown(page.run())

    page.sidebar.button[0].click().run()
    assert "DATA" not in shown(page)
    assert "Your sign-in has ended" in page.caption[0].value


def test_sign_out_ends_the_session_everywhere(
    browser_session: str, page: AppTest, db_file: str
) -> None:
    page.sidebar.button[0].click().run()
    with Store(db_file) as store:
        assert Accounts(store).session_user(browser_session) is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda accounts: accounts.set_role("desk@news.example", "viewer"), "as viewer"),
        (lambda accounts: accounts.set_disabled("desk@news.example", True), None),
        (lambda accounts: accounts.remove("desk@news.example"), None),
        (lambda accounts: accounts.set_password("desk@news.example", "another long pass"), None),
    ],
    ids=["role", "disabled", "removed", "new password"],
)
def test_account_changes_apply_to_open_sessions(
    browser_session: str, page: AppTest, db_file: str, change: Any, expected: str | None
) -> None:
    with Store(db_file) as store:
        change(Accounts(store))
    if expected:
        assert expected in shown(page.run())
    else:
        assert "DATA" not in shown(page.run())


def test_local_mode_is_an_admin_without_sign_in(
    tmp_path: Path, db_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEO_AUTH_MODE", raising=False)
    script = tmp_path / "page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30).run()
    assert shown(at) == "DATA for local as admin"
    assert "Local mode" in at.sidebar.caption[0].value
    assert not at.sidebar.button


def oidc_page(tmp_path: Path, user: dict[str, Any], **section: Any) -> AppTest:
    script = tmp_path / "page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.secrets = oidc(**section)
    at.user = user
    return at.run()


@pytest.mark.usefixtures("db_file")
def test_oidc_not_signed_in_sees_only_a_sign_in_button(tmp_path: Path) -> None:
    at = oidc_page(tmp_path, {"is_logged_in": False})
    assert "DATA" not in shown(at)
    assert [b.label for b in at.button] == ["Sign in with Google"]


@pytest.mark.usefixtures("db_file")
@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (
            {"email": "Boss@news.example", "email_verified": True},
            "DATA for boss@news.example as admin",
        ),
        ({"email": "reporter@news.example"}, "DATA for reporter@news.example as editor"),
        ({"email": "stranger@elsewhere.example"}, "'stranger@elsewhere.example' has no access"),
        ({"email": "boss@news.example", "email_verified": False}, "not verified"),
        ({}, "the identity provider sent no email"),
    ],
)
def test_oidc_roles_come_from_the_configuration(
    tmp_path: Path, claims: dict[str, Any], expected: str
) -> None:
    at = oidc_page(tmp_path, {"is_logged_in": True, **claims})
    if expected.startswith("DATA"):
        assert shown(at) == expected
        assert at.sidebar.button[0].label == "Sign out"
    else:
        assert "DATA" not in shown(at)
        assert expected in errors(at)
        assert [b.label for b in at.button] == ["Sign out"]


def test_a_broken_configuration_stops_the_page(
    tmp_path: Path, db_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEO_AUTH_MODE", "ldap")
    script = tmp_path / "page.py"
    script.write_text(SCRIPT, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30).run()
    assert "DATA" not in shown(at)
    assert "unknown auth mode 'ldap'" in errors(at)


# --- the documented example secrets file ----------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "secrets.example.toml"


def example_secrets(replace_placeholders: bool) -> dict[str, Any]:
    text = EXAMPLE.read_text(encoding="utf-8")
    if replace_placeholders:
        text = text.replace("REPLACE-ME", "x" * 40)
    return tomllib.loads(text)


def test_example_secrets_refuse_to_run_with_their_placeholders() -> None:
    with pytest.raises(AuthConfigError, match=r"\[auth\] cookie_secret is still the REPLACE-ME"):
        AuthConfig.from_settings(example_secrets(replace_placeholders=False))


def test_example_secrets_once_filled_in_configure_both_providers() -> None:
    config = AuthConfig.from_settings(example_secrets(replace_placeholders=True))
    assert (config.mode, config.providers) == ("oidc", ("google", "microsoft"))
    assert config.role_for("desk-chief@newsroom.example") == "admin"
    assert config.role_for("reporter@newsroom.example") == "editor"
    assert config.role_for("someone@partner-agency.example") == "viewer"
    assert config.role_for("someone@gmail.example") is None


def test_example_secrets_in_accounts_mode_need_no_provider() -> None:
    secrets = example_secrets(replace_placeholders=False)
    assert AuthConfig.from_settings(secrets, {"GEO_AUTH_MODE": "accounts"}).mode == "accounts"


def test_the_real_secrets_file_is_git_ignored() -> None:
    repo = EXAMPLE.parents[1]
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=repo, check=False
    )
    assert ignored.returncode == 0


@pytest.mark.parametrize(
    ("section", "environ", "days"),
    [
        ({}, {}, 14.0),
        ({"session_days": 1}, {}, 1.0),
        ({"session_days": 0.5}, {"GEO_SESSION_DAYS": "30"}, 30.0),
    ],
)
def test_session_days_come_from_the_secrets_or_the_environment(
    section: dict[str, Any], environ: dict[str, str], days: float
) -> None:
    config = AuthConfig.from_settings(
        {"contested_map": {"auth_mode": "accounts", **section}}, environ
    )
    assert config.session_days == days
    assert config.session_lifetime == dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("raw", "message"),
    [(0, "above 0"), (-3, "above 0"), (400, "at most 366"), ("two weeks", "number of days")],
)
def test_bad_session_days_are_refused_naming_the_value(raw: Any, message: str) -> None:
    with pytest.raises(AuthConfigError, match=message) as error:
        AuthConfig.from_settings({"contested_map": {"auth_mode": "accounts", "session_days": raw}})
    assert repr(raw) in str(error.value)
