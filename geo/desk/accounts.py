"""Who may do what: roles and permissions, and the built-in accounts with rate-limited sign-in.

Passwords are hashed with argon2id (argon2-cffi's :class:`~argon2.PasswordHasher`: salted, slow,
parameters stored in each hash). Every sign-in attempt is recorded before the password is
checked, so parallel guesses count against the limits too.

Failed sign-ins slow an account down (an exponential back-off, see :class:`RateLimits`); they
never lock it. A browser that signed in to an account before (a known device, holding a random
token of :meth:`Accounts.remember_device`) has a back-off of its own, so a stranger guessing an
account's password elsewhere does not hold up its owner at their usual desk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeGuard

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from geo.desk import audit
from geo.store.database import Store

ROLES = ("viewer", "editor", "admin")
ACTIONS = ("view", "export", "add_article", "review", "edit_places", "manage_users")
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view", "export"}),
    "editor": frozenset({"view", "export", "add_article", "review"}),
    "admin": frozenset(ACTIONS),
}
CLI_ACTOR = "command line"
"""Who the audit log names for account changes made with ``python -m geo users``."""
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; this bounds the work one request can ask
MAX_EMAIL_LENGTH = 320
ATTEMPTS_KEPT = dt.timedelta(days=30)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")

METADATA = sa.MetaData()
"""The tables of migration 0002 this module reads and writes."""

users_table = sa.Table(
    "users",
    METADATA,
    sa.Column("email", sa.String(MAX_EMAIL_LENGTH), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
)

attempts_table = sa.Table(
    "sign_in_attempts",
    METADATA,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("email", sa.String(MAX_EMAIL_LENGTH), nullable=False),
    sa.Column("client_key", sa.String(128), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("device_hash", sa.String(64), nullable=True),  # migration 0007
)

sessions_table = sa.Table(
    "sign_in_sessions",
    METADATA,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(MAX_EMAIL_LENGTH), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
)
devices_table = sa.Table(
    "sign_in_devices",
    METADATA,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(MAX_EMAIL_LENGTH), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)
MAX_TOKEN_LENGTH = 128  # a token is 43 characters; anything much longer is not one of ours


class PermissionDenied(PermissionError):
    """A user tried an action their role does not allow."""


class AccountError(ValueError):
    """A bad account request: unknown or duplicate email, weak password, unknown role."""


class RateLimited(Exception):
    """Too many failed sign-ins; ``retry_at`` (UTC) is when the next attempt is accepted."""

    def __init__(self, message: str, retry_at: dt.datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


@dataclass(frozen=True)
class User:
    """A signed-in person (or the local user) and their role."""

    email: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; choose one of {', '.join(ROLES)}")

    def can(self, action: str) -> bool:
        """Return whether this user's role allows ``action`` (one of :data:`ACTIONS`)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")
        return action in PERMISSIONS[self.role]


def require(user: User, action: str) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may do ``action``."""
    if not user.can(action):
        raise PermissionDenied(
            f"{user.email!r} (role {user.role!r}) may not {action.replace('_', ' ')!r}"
        )


def normalise_email(email: str) -> str:
    """Return ``email`` trimmed and lower-cased; raise AccountError unless it looks like one."""
    if not isinstance(email, str):
        raise AccountError(f"an email address must be a string, got {email!r}")
    normal = email.strip().lower()
    if len(normal) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(normal):
        raise AccountError(f"not an email address: {email!r}")
    return normal


def check_password_policy(password: str) -> None:
    """Raise AccountError (never quoting the password) unless it meets the policy."""
    if not isinstance(password, str):
        raise AccountError("the password must be text")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password has {len(password)} characters; it needs at least {MIN_PASSWORD_LENGTH}"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise AccountError("the password is only spaces")


@dataclass(frozen=True)
class RateLimits:
    """How failed sign-ins slow the next ones down.

    Per email (an account, or a name guessed): the first ``per_email`` failures cost nothing;
    then each attempt must wait ``first_delay`` after the latest failure, twice as long after
    each further failure, at most ``max_delay``: a back-off, never a lock-out. Failures count
    for ``email_window`` or until a successful sign-in. Browsers that are not known devices of
    the account share one count; each known device has its own. Per network address:
    ``per_client`` failures within ``window``, and the address waits until the oldest of them
    is ``window`` old, known device or not.
    """

    per_email: int = 5
    first_delay: dt.timedelta = dt.timedelta(seconds=1)
    max_delay: dt.timedelta = dt.timedelta(minutes=5)
    email_window: dt.timedelta = dt.timedelta(days=1)
    per_client: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)

    def __post_init__(self) -> None:
        for name in ("per_email", "per_client"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)!r}")
        for name in ("first_delay", "max_delay", "email_window", "window"):
            if getattr(self, name) <= dt.timedelta(0):
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")

    def delay(self, failures: int) -> dt.timedelta:
        """The wait, after the latest of ``failures`` failures, before the next attempt."""
        doublings = failures - self.per_email
        if doublings < 0:
            return dt.timedelta(0)
        if doublings >= 40:  # far past any max_delay; 2**doublings would overflow a timedelta
            return self.max_delay
        return min(self.max_delay, self.first_delay * 2**doublings)


def utc_now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class Accounts:
    """The built-in accounts of a store's database.

    Parameters
    ----------
    store
        The open store whose database holds the ``users`` table (migration 0002).
    hasher
        argon2 parameters; the default is argon2-cffi's current recommendation. Hashes made
        with other parameters are replaced at the next successful sign-in.
    limits
        How many failed sign-ins are allowed, and over what window.
    clock
        Returns the current UTC time; tests pass a fake one.
    """

    def __init__(
        self,
        store: Store,
        *,
        hasher: PasswordHasher | None = None,
        limits: RateLimits = RateLimits(),
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._store = store
        self._hasher = hasher or PasswordHasher()
        self._limits = limits
        self._clock = clock

    def add(self, email: str, password: str, role: str, *, actor: str = CLI_ACTOR) -> User:
        """Create an account; AccountError for a bad email, password or role, or a taken email.

        Every change to an account is written to the audit log with its ``actor`` (an admin's
        email, or who ran the command line).
        """
        user = User(normalise_email(email), _check_role(role))
        check_password_policy(password)
        password_hash = self._hasher.hash(password)
        row = {
            "email": user.email,
            "password_hash": password_hash,
            "role": user.role,
            "created_at": _as_utc(self._clock()),
            "disabled": False,
        }
        try:
            with self._store.write_transaction() as conn:
                if _user_row(conn, user.email) is not None:
                    raise AccountError(f"there is already an account for {user.email!r}")
                conn.execute(sa.insert(users_table).values(**row))
                self._audit(conn, actor, "account.add", user.email, None, {"role": user.role})
        except IntegrityError:
            raise AccountError(f"there is already an account for {user.email!r}") from None
        return user

    def remove(self, email: str, *, actor: str = CLI_ACTOR) -> None:
        """Delete an account; raise AccountError when there is none for ``email``."""
        self._update(email, actor, "account.remove", delete=True)

    def set_role(self, email: str, role: str, *, actor: str = CLI_ACTOR) -> User:
        """Change an account's role; it applies from the account's next page load."""
        self._update(email, actor, "account.set_role", role=_check_role(role))
        return User(normalise_email(email), role)

    def set_password(self, email: str, password: str, *, actor: str = CLI_ACTOR) -> None:
        """Replace an account's password; its sessions end and its known devices are forgotten."""
        check_password_policy(password)
        password_hash = self._hasher.hash(password)
        self._update(email, actor, "account.set_password", password_hash=password_hash)
        self.end_sessions(email)  # whoever knew the old password is signed out
        self.forget_devices(email)  # and their browser is no longer a known device

    def set_disabled(self, email: str, disabled: bool, *, actor: str = CLI_ACTOR) -> None:
        """Disable an account (it can no longer sign in, and open sessions end) or enable it."""
        action = "account.disable" if disabled else "account.enable"
        self._update(email, actor, action, disabled=bool(disabled))
        if disabled:
            self.end_sessions(email)

    def start_session(self, email: str, lifetime: dt.timedelta) -> str:
        """Open a sign-in session for an enabled account; return its secret token.

        The token goes to the browser (an HttpOnly cookie); only its SHA-256 is stored.
        """
        if lifetime <= dt.timedelta(0):
            raise ValueError(f"a session lifetime must be positive, got {lifetime!r}")
        user = self.user(email)
        if user is None:
            raise AccountError(f"there is no enabled account for {email!r}")
        token = secrets.token_urlsafe(32)
        now = _as_utc(self._clock())
        s = sessions_table.c
        with self._store.write_transaction() as conn:
            conn.execute(sa.delete(sessions_table).where(s.expires_at < now - ATTEMPTS_KEPT))
            conn.execute(
                sa.insert(sessions_table).values(
                    token_hash=_token_hash(token), email=user.email, created_at=now,
                    expires_at=now + lifetime,
                )
            )  # fmt: skip
        return token

    def remember_device(
        self, email: str, lifetime: dt.timedelta, replacing: str | None = None
    ) -> str:
        """Make the browser that just signed in a known device of an account; return its token.

        The token goes to the browser in a long-lived HttpOnly cookie; only its SHA-256 is
        stored. ``replacing``, the token the browser held before, is forgotten.
        """
        if lifetime <= dt.timedelta(0):
            raise ValueError(f"a known device's lifetime must be positive, got {lifetime!r}")
        email = normalise_email(email)
        token = secrets.token_urlsafe(32)
        now = _as_utc(self._clock())
        d = devices_table.c
        stale = d.expires_at < now
        if _looks_like_token(replacing):
            stale = sa.or_(stale, d.token_hash == _token_hash(replacing))
        with self._store.write_transaction() as conn:
            conn.execute(sa.delete(devices_table).where(stale))
            conn.execute(
                sa.insert(devices_table).values(
                    token_hash=_token_hash(token), email=email, created_at=now,
                    expires_at=now + lifetime,
                )
            )  # fmt: skip
        return token

    def forget_devices(self, email: str) -> int:
        """Forget every known device of an account; return how many."""
        with self._store.write_transaction() as conn:
            forgotten = conn.execute(
                sa.delete(devices_table).where(devices_table.c.email == normalise_email(email))
            )
        return int(forgotten.rowcount)

    def session_user(self, token: str | None) -> User | None:
        """Return the account of a live session token; None if unknown, ended or expired."""
        if not _looks_like_token(token):
            return None
        s, u = sessions_table.c, users_table.c
        query = (
            sa.select(u.email, u.role, u.disabled, s.expires_at, s.ended_at)
            .join_from(sessions_table, users_table, s.email == u.email)
            .where(s.token_hash == _token_hash(token))
        )
        with self._store.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.disabled or row.ended_at is not None:
            return None
        if _as_utc(row.expires_at) <= _as_utc(self._clock()):
            return None
        return User(row.email, row.role)

    def end_sessions(self, email: str) -> int:
        """End every open session of an account (sign out everywhere); return how many."""
        s = sessions_table.c
        with self._store.write_transaction() as conn:
            ended = conn.execute(
                sa.update(sessions_table)
                .where(s.email == normalise_email(email), s.ended_at.is_(None))
                .values(ended_at=_as_utc(self._clock()))
            )
        return int(ended.rowcount)

    def list(self) -> list[tuple[str, str, bool]]:
        """Return every account as (email, role, disabled), by email."""
        u = users_table.c
        query = sa.select(u.email, u.role, u.disabled).order_by(u.email)
        with self._store.engine.connect() as conn:
            return [(email, role, bool(disabled)) for email, role, disabled in conn.execute(query)]

    def user(self, email: str) -> User | None:
        """Return the enabled account for ``email`` as a User, or None (unknown or disabled)."""
        try:
            email = normalise_email(email)
        except AccountError:
            return None
        with self._store.engine.connect() as conn:
            row = _user_row(conn, email)
        return User(row.email, row.role) if row is not None and not row.disabled else None

    def verify(
        self, email: str, password: str, client_key: str, device: str | None = None
    ) -> User | None:
        """Check a sign-in; return the User, or None for a wrong email or password.

        The attempt is recorded first; a disabled or unknown account costs the same hashing
        work as a known one. ``device`` is the browser's known-device token, if it has one:
        when it is a live one of this account, only this browser's own failures slow it down.

        Raises
        ------
        RateLimited
            When ``client_key`` has too many recent failures, or the email (or, from a known
            device, that device) must wait out its back-off; nothing is checked.
        """
        email = email.strip().lower()[:MAX_EMAIL_LENGTH] if isinstance(email, str) else ""
        client_key = (client_key or "unknown")[:128]
        attempt_id, row = self._record_attempt(email, client_key, device)
        if row is None or row.disabled:
            self._check(self._dummy_hash, password)
            return None
        if not self._check(row.password_hash, password):
            return None
        with self._store.write_transaction() as conn:
            conn.execute(
                sa.update(attempts_table).where(attempts_table.c.id == attempt_id).values(ok=True)
            )
            if self._hasher.check_needs_rehash(row.password_hash):
                conn.execute(
                    sa.update(users_table)
                    .where(users_table.c.email == row.email)
                    .values(password_hash=self._hasher.hash(password))
                )
        return User(row.email, row.role)

    def _record_attempt(
        self, email: str, client_key: str, device: str | None
    ) -> tuple[int, sa.Row[Any] | None]:
        """Refuse when a limit is reached, else record a (so far failed) attempt."""
        now = _as_utc(self._clock())
        with self._store.write_transaction() as conn:
            device_hash = _known_device(conn, email, device, now)
            self._check_address(conn, client_key, now)
            self._check_backoff(conn, email, device_hash, now)
            attempt = sa.insert(attempts_table).values(
                email=email, client_key=client_key, at=now, ok=False, device_hash=device_hash
            )
            attempt_id = conn.execute(attempt.returning(attempts_table.c.id)).scalar_one()
            conn.execute(sa.delete(attempts_table).where(attempts_table.c.at < now - ATTEMPTS_KEPT))
            row = _user_row(conn, email)
        return int(attempt_id), row

    def _check_address(self, conn: Connection, client_key: str, now: dt.datetime) -> None:
        """Raise RateLimited when ``client_key`` has used up its failures within the window."""
        a, limit, window = attempts_table.c, self._limits.per_client, self._limits.window
        failures = conn.execute(
            sa.select(a.at)
            .where(a.client_key == client_key, sa.not_(a.ok), a.at > now - window)
            .order_by(a.at.desc())
            .limit(limit)
        ).scalars()
        times = [_as_utc(at) for at in failures]
        if len(times) >= limit:
            raise _limited("sign-ins from this network address", times[-1] + window, now)

    def _check_backoff(
        self, conn: Connection, email: str, device_hash: str | None, now: dt.datetime
    ) -> None:
        """Raise RateLimited while the back-off runs: the known device's, else the email's.

        Each counts its own failures, since its own latest success: a known device's success
        does not restart the count of strangers guessing the account's password elsewhere.
        """
        a = attempts_table.c
        same = a.device_hash == device_hash if device_hash else a.device_hash.is_(None)
        last_ok = conn.execute(
            sa.select(sa.func.max(a.id)).where(a.email == email, same, a.ok)
        ).scalar_one()
        failures, latest = conn.execute(
            sa.select(sa.func.count(), sa.func.max(a.at)).where(
                a.email == email, same, sa.not_(a.ok), a.id > (last_ok or 0),
                a.at > now - self._limits.email_window,
            )
        ).one()  # fmt: skip
        if not failures:
            return
        retry_at = _as_utc(latest) + self._limits.delay(int(failures))
        if retry_at > now:
            what = "from this browser" if device_hash else "for this email"
            hint = "" if device_hash else _KNOWN_DEVICE_HINT
            raise _limited(f"sign-ins {what}", retry_at, now, hint)

    def _update(
        self, email: str, actor: str, action: str, *, delete: bool = False, **values: object
    ) -> None:
        """Update or delete one account and log it, raising AccountError when it does not exist."""
        email = normalise_email(email)
        u = users_table.c
        where = u.email == email
        statement = sa.delete(users_table) if delete else sa.update(users_table).values(**values)
        with self._store.write_transaction() as conn:
            before = conn.execute(sa.select(u.role, u.disabled).where(where)).first()
            if before is None or conn.execute(statement.where(where)).rowcount == 0:
                raise AccountError(f"there is no account for {email!r}")
            was = {"role": before.role, "disabled": bool(before.disabled)}
            now = None if delete else {**was, **_shown(values)}
            self._audit(conn, actor, action, email, was, now)

    def _audit(
        self,
        conn: Connection,
        actor: str,
        action: str,
        email: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        audit.record(
            conn, actor=actor, action=action, target=email, before=before, after=after,
            at=_as_utc(self._clock()),
        )  # fmt: skip

    def _check(self, password_hash: str, password: str) -> bool:
        """Return whether ``password`` matches ``password_hash``."""
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    @cached_property
    def _dummy_hash(self) -> str:
        """A hash with this hasher's parameters, checked for unknown emails to spend equal time."""
        return self._hasher.hash("no account has this password")


def _shown(values: dict[str, object]) -> dict[str, object]:
    """What an audit entry may say of changed account fields: never a password's hash."""
    return {
        ("password" if name == "password_hash" else name): (
            "changed" if name == "password_hash" else value
        )
        for name, value in values.items()
    }


_KNOWN_DEVICE_HINT = " A browser that has signed in to this account before is not held up."


def _limited(what: str, retry_at: dt.datetime, now: dt.datetime, hint: str = "") -> RateLimited:
    """The RateLimited error for ``what``, saying when to try again."""
    seconds = max(1, math.ceil((retry_at - now).total_seconds()))
    if seconds < 60:
        wait = f"in {seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        wait = f"in about {minutes} minute{'s' if minutes != 1 else ''}"
    return RateLimited(
        f"Too many failed {what}. Try again after {retry_at:%H:%M:%S} UTC ({wait}).{hint}",
        retry_at,
    )


def _known_device(conn: Connection, email: str, token: str | None, now: dt.datetime) -> str | None:
    """The stored hash of ``token`` when it is a live known device of ``email``, else None."""
    if not _looks_like_token(token):
        return None
    d = devices_table.c
    token_hash = _token_hash(token)
    found = conn.execute(
        sa.select(d.token_hash).where(
            d.token_hash == token_hash, d.email == email, d.expires_at > now
        )
    ).first()
    return token_hash if found is not None else None


def _looks_like_token(token: object) -> TypeGuard[str]:
    """Whether ``token`` could be one of ours: a non-empty string of bounded length."""
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_LENGTH


def _token_hash(token: str) -> str:
    """The stored form of a session token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _check_role(role: str) -> str:
    """Return ``role`` when known, else raise AccountError naming it."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def _user_row(conn: Connection, email: str) -> sa.Row[Any] | None:
    """Return the users row for ``email``, or None."""
    return conn.execute(sa.select(users_table).where(users_table.c.email == email)).first()


def _as_utc(value: dt.datetime) -> dt.datetime:
    """Return a stored time as aware UTC (SQLite gives it back naive, already in UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
