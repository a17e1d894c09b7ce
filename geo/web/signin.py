"""The sign-in gate of the page: who the visitor is, or a sign-in screen and nothing else.

Call :func:`current_user` before anything that shows data: when nobody is signed in it draws
the sign-in screen and stops the script run, so the rest of the page never runs.
"""

from __future__ import annotations

import logging
from typing import NoReturn

import streamlit as st

from geo.desk.accounts import Accounts, User
from geo.desk.auth import AuthConfig, AuthConfigError, is_local_request
from geo.store.database import Store
from geo.web.server import SESSION_COOKIE, SIGN_IN_PATH, read_auth_config

LOCAL_USER = User("local", "admin")

_log = logging.getLogger(__name__)


def auth_config() -> AuthConfig:
    """Read the sign-in configuration from st.secrets and the environment.

    A broken configuration stops the page: the details go to the server log, and to the page
    only when the visitor is on this machine.
    """
    try:
        return read_auth_config()
    except AuthConfigError as error:
        _log.error("sign-in configuration: %s", error)
        shown = str(error) if is_local_request(_headers(), _server_address()) else "see the log"
        _stop_with(f"Sign-in is not configured correctly ({shown}).")


def current_user(config: AuthConfig, store: Store) -> User:
    """Return the signed-in user; otherwise draw the sign-in screen and stop the run.

    Local mode returns an admin without sign-in, and refuses requests that do not come from
    this machine. OIDC mode uses ``st.login`` and the configured roles. Accounts mode shows
    the account of the browser's sign-in session (see :mod:`geo.web.server`).
    """
    if config.mode == "local":
        return _local_user()
    if config.mode == "oidc":
        return _oidc_user(config)
    return _account_user(Accounts(store))


def sign_out_button(user: User, config: AuthConfig, store: Store) -> None:
    """Show who is signed in, with a "Sign out" button, in the sidebar.

    In accounts mode signing out ends every session of the account: this tab, the others,
    other browsers.
    """
    with st.sidebar:
        if config.mode == "local":
            st.caption("Local mode: no sign-in, full rights, this machine only.")
            return
        st.caption(f"Signed in as {user.email} ({user.role})")
        if not st.button("Sign out", key="geo-sign-out"):
            return
    if config.mode == "oidc":
        st.logout()
        return
    Accounts(store).end_sessions(user.email)
    st.rerun()


def _local_user() -> User:
    """The local admin, for requests from this machine only."""
    if not is_local_request(_headers(), _server_address()):
        _stop_with(
            "This map runs in local mode (no sign-in, full rights), so it answers only on this "
            "machine. For a team, set GEO_AUTH_MODE to 'oidc' or 'accounts' "
            "(see deploy/secrets.example.toml)."
        )
    return LOCAL_USER


def _oidc_user(config: AuthConfig) -> User:
    """The user signed in through the identity provider, when their email has a role."""
    if not st.user.get("is_logged_in", False):
        _heading("Sign in with your newsroom account to see the map.")
        for provider in config.providers:
            label = "Sign in" if provider is None else f"Sign in with {provider.title()}"
            if st.button(label, key=f"geo-sign-in-{provider or 'default'}", type="primary"):
                st.login(provider)
        st.stop()
    email = str(st.user.get("email") or "").strip().lower()
    verified = st.user.get("email_verified") is not False
    role = config.role_for(email) if email and verified else None
    if role is None:
        who = repr(email) if email else "Your account (the identity provider sent no email)"
        if email and not verified:
            who += " (not verified by the identity provider)"
        st.error(f"{who} has no access to this map. Ask the desk's admin to add it.")
        if st.button("Sign out", key="geo-sign-out-refused"):
            st.logout()
        st.stop()
    return User(email, role)


def _account_user(accounts: Accounts) -> User:
    """The account of this browser's sign-in session (looked up each run), else a way in.

    The session comes from the HttpOnly cookie :mod:`geo.web.server` sets at sign-in; the
    server's gate sends a browser without one to the sign-in page before the page loads, so
    this screen shows when a session ends while the page is open.
    """
    user = accounts.session_user(session_token())
    if user is not None:
        return user
    _heading("Your sign-in has ended (signed out, expired, or the account was disabled).")
    st.link_button("Sign in again", SIGN_IN_PATH, type="primary")
    st.stop()


def session_token() -> str | None:
    """This browser's sign-in session token, from the cookie sent when the page opened."""
    return st.context.cookies.get(SESSION_COOKIE)


def _heading(caption: str) -> None:
    """The title of the sign-in screen."""
    st.title("Contested Map")
    st.caption(caption)


def _stop_with(message: str) -> NoReturn:
    """Show an error and end the script run."""
    st.error(message)
    st.stop()


def _headers() -> dict[str, str]:
    """The headers of the session's first request; repeated ones joined with commas."""
    headers = st.context.headers
    return {name: ", ".join(headers.get_all(name)) for name in headers}


def _server_address() -> str | None:
    """The address the server listens on, when configured."""
    address = st.get_option("server.address")
    return str(address) if address else None
