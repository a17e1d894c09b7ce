"""Who may enter, as configured: the sign-in mode and, for OIDC, the role of each email.

Pure: reads a mapping (Streamlit's ``st.secrets``) and the environment; no Streamlit here.

Modes: ``local`` (the default: no sign-in, admin rights, for a server on 127.0.0.1),
``oidc`` (Streamlit's ``st.login`` with the ``[auth]`` section of ``.streamlit/secrets.toml``)
and ``accounts`` (the built-in accounts of :mod:`geo.desk.accounts`). ``GEO_AUTH_MODE`` in the
environment wins over ``auth_mode`` in the ``[contested_map]`` section.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, cast
from urllib.parse import urlsplit

from geo.desk.accounts import ROLES, AccountError, normalise_email

AuthMode = Literal["local", "oidc", "accounts"]
AUTH_MODES: tuple[AuthMode, ...] = ("local", "oidc", "accounts")
AUTH_MODE_ENV = "GEO_AUTH_MODE"
SESSION_DAYS_ENV = "GEO_SESSION_DAYS"
TRUSTED_PROXIES_ENV = "GEO_TRUSTED_PROXIES"
DEFAULT_SESSION_DAYS = 14.0
MAX_SESSION_DAYS = 366.0
SECTION = "contested_map"
ROLE_LISTS = {"admins": "admin", "editors": "editor", "viewers": "viewer"}
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
MIN_COOKIE_SECRET_LENGTH = 32
PLACEHOLDER = "REPLACE-ME"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")
_PROVIDER_OPTION_TABLES = frozenset({"client_kwargs"})  # tables in [auth] that are not providers


Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


class AuthConfigError(ValueError):
    """The sign-in configuration is wrong; the message says what and where."""


@dataclass(frozen=True)
class AuthConfig:
    """The sign-in mode and, for OIDC, who gets which role.

    ``rules`` maps a lower-cased email, or ``@domain`` for a whole domain, to a role.
    ``providers`` are the names to pass to ``st.login`` (None: the provider written directly in
    ``[auth]``). ``trusted_proxies`` are the peers whose ``X-Real-IP`` / ``X-Forwarded-For``
    name the client (none by default: the socket peer is the client).
    """

    mode: AuthMode = "local"
    rules: tuple[tuple[str, str], ...] = ()
    default_role: str | None = None
    providers: tuple[str | None, ...] = ()
    session_days: float = DEFAULT_SESSION_DAYS
    trusted_proxies: tuple[Network, ...] = ()

    @property
    def session_lifetime(self) -> dt.timedelta:
        """How long an accounts-mode sign-in lasts in a browser."""
        return dt.timedelta(days=self.session_days)

    @classmethod
    def from_settings(
        cls, secrets: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> AuthConfig:
        """Read the configuration from secrets (``[contested_map]``, ``[auth]``) and env.

        Raises
        ------
        AuthConfigError
            For an unknown mode, a malformed role list, an email in two roles, an unknown
            default role, or OIDC without a usable ``[auth]`` section.
        """
        secrets, environ = secrets or {}, environ or {}
        section = _table(secrets.get(SECTION, {}), f"[{SECTION}]")
        mode = _mode(section, environ)
        rules = _role_rules(_table(section.get("roles", {}), f"[{SECTION}.roles]"))
        default_role = _default_role(section.get("default_role"))
        proxies = _trusted_proxies(section, environ)
        if mode != "oidc":
            return cls(
                mode, rules, default_role, session_days=_session_days(section, environ),
                trusted_proxies=proxies,
            )  # fmt: skip
        if not rules and default_role is None:
            raise AuthConfigError(
                f"auth mode 'oidc' lets nobody in: list emails or '@domain' entries under "
                f"[{SECTION}.roles] (admins, editors, viewers) or set default_role"
            )
        return cls(
            mode, rules, default_role, _providers(secrets.get("auth")), trusted_proxies=proxies
        )

    def role_for(self, email: str) -> str | None:
        """Return the role of ``email``: its own entry, else its domain's, else default_role."""
        try:
            email = normalise_email(email)
        except AccountError:
            return None
        by_entry = dict(self.rules)
        domain = "@" + email.rsplit("@", 1)[1]
        return by_entry.get(email) or by_entry.get(domain) or self.default_role


def client_key(
    headers: Mapping[str, str], peer: str | None, trusted_proxies: Sequence[Network] = ()
) -> str:
    """Return the address to rate-limit sign-ins by: the client as our own proxy saw it.

    ``peer`` is the other end of the connection. Only when it is one of ``trusted_proxies``
    do the headers count: ``X-Real-IP`` (set by deploy/nginx.conf from the connection itself)
    first, else the last ``X-Forwarded-For`` hop that is not a trusted proxy (earlier hops
    come from the client and can be forged). Anyone else could write any address there.
    An IPv6 client is keyed by its /64, the block one machine usually gets.
    """
    address = (peer or "").strip() or "unknown"
    if not is_trusted_proxy(address, trusted_proxies):
        return _rate_key(address)
    lowered = {name.lower(): value for name, value in headers.items()}
    real_ip = lowered.get("x-real-ip", "").strip()
    if real_ip:
        return _rate_key(real_ip)
    hops = [hop.strip() for hop in lowered.get("x-forwarded-for", "").split(",") if hop.strip()]
    outside = [hop for hop in hops if not is_trusted_proxy(hop, trusted_proxies)]
    return _rate_key(outside[-1] if outside else hops[0] if hops else address)


def parse_networks(entries: Sequence[str], where: str) -> tuple[Network, ...]:
    """Return the addresses or CIDR blocks ``entries`` name; raise naming a bad one."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise AuthConfigError(
                f"{where}: {entry!r} is not an IP address or CIDR block (e.g. '10.0.0.0/8')"
            ) from None
    return tuple(networks)


def is_trusted_proxy(address: str | None, trusted_proxies: Sequence[Network]) -> bool:
    """Return whether ``address`` is an IP address inside one of ``trusted_proxies``."""
    ip = _ip(address or "")
    return ip is not None and any(ip in network for network in trusted_proxies)


def _rate_key(address: str) -> str:
    """An address as a rate-limit key: IPv4 as is, IPv6 as its /64, anything else cut short."""
    ip = _ip(address)
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip) if ip is not None else address[:128]


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``address`` spells (an IPv4-mapped IPv6 one as IPv4), else None."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return mapped or ip


def is_local_request(headers: Mapping[str, str], server_address: str | None) -> bool:
    """Return whether a page request comes from this machine, directly, to a loopback server.

    Local mode gives everyone admin rights, so it refuses a server bound to another address,
    a request through a proxy, and a request whose Host names another machine. No headers
    (a script run without a browser) counts as local.
    """
    if server_address and not _is_loopback(server_address):
        return False
    lowered = {name.lower(): value for name, value in headers.items()}
    if any(lowered.get(name) for name in _PROXY_HEADERS):
        return False
    host = lowered.get("host")
    return host is None or _is_loopback(urlsplit(f"//{host}").hostname or "")


def _is_loopback(host: str) -> bool:
    """Return whether ``host`` (a name or an address) is this machine's loopback."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _table(value: Any, where: str) -> Mapping[str, Any]:
    """Return ``value`` when it is a TOML table, else raise naming ``where``."""
    if not isinstance(value, Mapping):
        raise AuthConfigError(f"{where} must be a table, got {value!r}")
    return value


def _mode(section: Mapping[str, Any], environ: Mapping[str, str]) -> AuthMode:
    """Return the mode from GEO_AUTH_MODE, else from auth_mode, else ``local``."""
    from_env = environ.get(AUTH_MODE_ENV, "").strip()
    value, where = (
        (from_env, AUTH_MODE_ENV) if from_env else (section.get("auth_mode", "local"), "auth_mode")
    )
    mode = value.strip().lower() if isinstance(value, str) else value
    if mode not in AUTH_MODES:
        raise AuthConfigError(
            f"unknown auth mode {value!r} (from {where}); choose one of {', '.join(AUTH_MODES)}"
        )
    return cast(AuthMode, mode)


def _session_days(section: Mapping[str, Any], environ: Mapping[str, str]) -> float:
    """Days an accounts-mode sign-in lasts: GEO_SESSION_DAYS, else ``session_days``, else 14."""
    raw = environ.get(SESSION_DAYS_ENV) or section.get("session_days", DEFAULT_SESSION_DAYS)
    where = SESSION_DAYS_ENV if environ.get(SESSION_DAYS_ENV) else f"[{SECTION}] session_days"
    try:
        days = float(raw)
    except (TypeError, ValueError):
        raise AuthConfigError(f"{where} must be a number of days, got {raw!r}") from None
    if not 0 < days <= MAX_SESSION_DAYS:
        raise AuthConfigError(
            f"{where} must be above 0 and at most {MAX_SESSION_DAYS:g}, got {raw!r}"
        )
    return days


def _trusted_proxies(section: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[Network, ...]:
    """Proxies whose client headers count: GEO_TRUSTED_PROXIES, else trusted_proxies, else none."""
    from_env = environ.get(TRUSTED_PROXIES_ENV, "").strip()
    if from_env:
        return parse_networks(from_env.replace(",", " ").split(), TRUSTED_PROXIES_ENV)
    entries = section.get("trusted_proxies", [])
    where = f"[{SECTION}] trusted_proxies"
    if isinstance(entries, str) or not isinstance(entries, list | tuple):
        raise AuthConfigError(f"{where} must be a list such as ['127.0.0.1'], got {entries!r}")
    return parse_networks(entries, where)


def _role_rules(roles: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Return (entry, role) pairs from the admins/editors/viewers lists, checking each entry."""
    unknown = sorted(set(roles) - set(ROLE_LISTS))
    if unknown:
        raise AuthConfigError(
            f"[{SECTION}.roles] has unknown key(s) {unknown!r}; use {', '.join(ROLE_LISTS)}"
        )
    rules: dict[str, str] = {}
    for key, role in ROLE_LISTS.items():
        entries = roles.get(key, [])
        if isinstance(entries, str) or not isinstance(entries, list | tuple):
            raise AuthConfigError(f"[{SECTION}.roles] {key} must be a list, got {entries!r}")
        for entry in entries:
            normal = _role_entry(entry, key)
            if normal in rules:
                raise AuthConfigError(
                    f"[{SECTION}.roles] lists {entry!r} as both {rules[normal]} and {role}"
                )
            rules[normal] = role
    return tuple(rules.items())


def _role_entry(entry: Any, key: str) -> str:
    """Return an email or ``@domain`` entry lower-cased, or raise naming it."""
    if isinstance(entry, str) and entry.strip().startswith("@"):
        domain = entry.strip().lower()
        if len(domain) > 1 and "@" not in domain[1:] and not any(c.isspace() for c in domain):
            return domain
    elif isinstance(entry, str):
        try:
            return normalise_email(entry)
        except AccountError:
            pass
    raise AuthConfigError(
        f"[{SECTION}.roles] {key}: {entry!r} is neither an email nor an '@domain.org' entry"
    )


def _default_role(value: Any) -> str | None:
    """Return the role unknown OIDC users get (None: no access), checking it."""
    if value is None or value == "":
        return None
    if value not in ROLES:
        raise AuthConfigError(
            f"[{SECTION}] default_role {value!r} is not a role; choose one of {', '.join(ROLES)}"
        )
    return str(value)


def _providers(auth: Any) -> tuple[str | None, ...]:
    """Check the ``[auth]`` section st.login reads; return its provider names."""
    if auth is None:
        raise AuthConfigError(
            "auth mode 'oidc' needs an [auth] section in .streamlit/secrets.toml with "
            "redirect_uri, cookie_secret and a provider's " + ", ".join(PROVIDER_KEYS)
        )
    auth = _table(auth, "[auth]")
    _check_no_placeholders(auth, "[auth]")
    _check_redirect_uri(auth.get("redirect_uri"))
    _check_cookie_secret(auth.get("cookie_secret"))
    sections = {
        name: value
        for name, value in auth.items()
        if isinstance(value, Mapping) and name not in _PROVIDER_OPTION_TABLES
    }
    if "client_id" in auth and "default" not in sections:
        sections["default"] = auth  # st.login() with no name reads [auth] itself
    for name, settings in sections.items():
        _check_provider(settings, name, "[auth]" if settings is auth else f"[auth.{name}]")
    providers = tuple(None if name == "default" else name for name in sections)
    if not providers:
        raise AuthConfigError(
            "[auth] names no identity provider: add client_id, client_secret and "
            "server_metadata_url to [auth], or a section such as [auth.google]"
        )
    return providers


def _check_no_placeholders(table: Mapping[str, Any], where: str) -> None:
    """Raise naming the first setting still holding the example file's placeholder."""
    for name, value in table.items():
        if isinstance(value, Mapping):
            _check_no_placeholders(value, f"{where[:-1]}.{name}]")
        elif isinstance(value, str) and PLACEHOLDER in value:
            raise AuthConfigError(
                f"{where} {name} is still the {PLACEHOLDER} placeholder of "
                "deploy/secrets.example.toml; put the real value in .streamlit/secrets.toml"
            )


def _check_redirect_uri(uri: Any) -> None:
    """Raise unless ``uri`` is an absolute http(s) URL ending in /oauth2callback."""
    if uri is None:
        raise AuthConfigError(
            "[auth] lacks redirect_uri, e.g. 'https://map.example.org/oauth2callback'"
        )
    parts = urlsplit(uri) if isinstance(uri, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise AuthConfigError(f"[auth] redirect_uri must be an absolute http(s) URL, got {uri!r}")
    if not parts.path.endswith("/oauth2callback"):
        raise AuthConfigError(f"[auth] redirect_uri must end in /oauth2callback, got {uri!r}")


def _check_cookie_secret(secret: Any) -> None:
    """Raise unless the cookie secret is long enough (never quoting it)."""
    if not isinstance(secret, str) or not secret:
        raise AuthConfigError("[auth] lacks cookie_secret (a long random string)")
    if len(secret) < MIN_COOKIE_SECRET_LENGTH:
        raise AuthConfigError(
            f"[auth] cookie_secret has {len(secret)} characters; use at least "
            f"{MIN_COOKIE_SECRET_LENGTH} random ones, e.g. from "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )


def _check_provider(settings: Mapping[str, Any], name: str, where: str) -> None:
    """Raise naming the provider's section when it lacks a key st.login needs or has a bad name."""
    if "_" in name:
        raise AuthConfigError(f"{where}: Streamlit refuses provider names with '_', got {name!r}")
    missing = [key for key in PROVIDER_KEYS if not settings.get(key)]
    if missing:
        raise AuthConfigError(f"{where} lacks {', '.join(missing)}")
    url = settings["server_metadata_url"]
    if not isinstance(url, str) or urlsplit(url).scheme != "https":
        raise AuthConfigError(f"{where} server_metadata_url must be an https URL, got {url!r}")
