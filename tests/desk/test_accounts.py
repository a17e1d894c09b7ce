"""Roles and permissions, and the built-in accounts on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st

from geo.desk.accounts import (
    ACTIONS,
    AccountError,
    Accounts,
    PermissionDenied,
    RateLimited,
    RateLimits,
    User,
    normalise_email,
    require,
    users_table,
)
from geo.store.database import Store

PASSWORD = "correct horse battery"
START = dt.datetime(2024, 9, 2, 9, 0, tzinfo=dt.UTC)


def fast_hasher(time_cost: int = 1) -> PasswordHasher:
    """argon2id with the smallest parameters, so tests hash quickly."""
    return PasswordHasher(time_cost=time_cost, memory_cost=8, parallelism=1)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class CountingHasher(PasswordHasher):
    """A fast hasher that counts the hashes it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(str(hash))
        return super().verify(hash, password)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(store: Store, clock: Clock) -> Accounts:
    return Accounts(store, hasher=fast_hasher(), clock=clock)


# --- roles and permissions ------------------------------------------------------------------------

ALLOWED = {
    "viewer": {"view", "export"},
    "editor": {"view", "export", "add_article", "review"},
    "admin": set(ACTIONS),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_may_do_exactly_its_actions(role: str, action: str) -> None:
    user = User("someone@news.example", role)
    assert user.can(action) is (action in ALLOWED[role])
    if action in ALLOWED[role]:
        require(user, action)
    else:
        with pytest.raises(PermissionDenied, match=rf"'someone@news.example'.*'{role}'"):
            require(user, action)


def test_unknown_action_and_role_are_errors_not_silent_refusals() -> None:
    with pytest.raises(ValueError, match="unknown action 'delete_everything'"):
        User("a@news.example", "admin").can("delete_everything")
    with pytest.raises(ValueError, match="unknown role 'owner'"):
        User("a@news.example", "owner")


# --- managing accounts ----------------------------------------------------------------------------


def test_add_list_set_role_remove(accounts: Accounts) -> None:
    assert accounts.add("  Desk@News.Example ", PASSWORD, "editor") == User(
        "desk@news.example", "editor"
    )
    accounts.add("boss@news.example", PASSWORD, "admin")
    assert accounts.list() == [
        ("boss@news.example", "admin", False),
        ("desk@news.example", "editor", False),
    ]
    assert accounts.set_role("DESK@news.example", "viewer") == User("desk@news.example", "viewer")
    assert accounts.user("desk@news.example") == User("desk@news.example", "viewer")
    accounts.remove("desk@news.example")
    assert accounts.list() == [("boss@news.example", "admin", False)]
    assert accounts.user("desk@news.example") is None


def test_passwords_are_stored_as_argon2id_hashes(accounts: Accounts, store: Store) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    accounts.add("other@news.example", PASSWORD, "editor")
    with store.engine.connect() as conn:
        hashes = list(conn.execute(sa.select(users_table.c.password_hash)).scalars())
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    assert hashes[0] != hashes[1]  # salted


@pytest.mark.parametrize(
    ("email", "password", "role", "message"),
    [
        ("not-an-email", PASSWORD, "viewer", "not an email address: 'not-an-email'"),
        ("two words@news.example", PASSWORD, "viewer", "not an email address"),
        ("", PASSWORD, "viewer", "not an email address: ''"),
        ("a@news.example", PASSWORD, "owner", "unknown role 'owner'"),
        ("a@news.example", "short", "viewer", "has 5 characters; it needs at least 12"),
        ("a@news.example", " " * 14, "viewer", "only spaces"),
        ("a@news.example", "x" * 1025, "viewer", "longer than 1024"),
    ],
)
def test_add_refuses_bad_input_quoting_it_but_never_the_password(
    accounts: Accounts, email: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message) as raised:
        accounts.add(email, password, role)
    if password.strip():
        assert password not in str(raised.value)
    assert accounts.list() == []


def test_an_email_has_one_account(accounts: Accounts) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    with pytest.raises(AccountError, match=r"already an account for 'desk@news\.example'"):
        accounts.add("DESK@news.example", "another password!", "admin")
    assert accounts.list() == [("desk@news.example", "editor", False)]


@pytest.mark.parametrize("action", ["remove", "set_role", "set_password", "set_disabled"])
def test_changing_an_unknown_account_names_it(accounts: Accounts, action: str) -> None:
    args = {"set_role": ("admin",), "set_password": (PASSWORD,), "set_disabled": (True,)}
    with pytest.raises(AccountError, match=r"no account for 'ghost@news\.example'"):
        getattr(accounts, action)("Ghost@news.example", *args.get(action, ()))


@given(st.emails())
def test_normalised_emails_are_stable(email: str) -> None:
    normal = normalise_email(email)
    assert normalise_email(normal) == normal == normal.lower().strip()


# --- signing in -----------------------------------------------------------------------------------


def test_verify_right_and_wrong_password(accounts: Accounts) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    assert accounts.verify(" Desk@news.example", PASSWORD, "10.0.0.1") == User(
        "desk@news.example", "editor"
    )
    assert accounts.verify("desk@news.example", PASSWORD + "!", "10.0.0.1") is None
    assert accounts.verify("nobody@news.example", PASSWORD, "10.0.0.1") is None


def test_unknown_and_disabled_accounts_cost_one_hash_check_like_known_ones(
    store: Store, clock: Clock
) -> None:
    hasher = CountingHasher()
    accounts = Accounts(store, hasher=hasher, clock=clock)
    accounts.add("desk@news.example", PASSWORD, "editor")
    accounts.add("gone@news.example", PASSWORD, "editor")
    accounts.set_disabled("gone@news.example", True)
    for email in ("desk@news.example", "nobody@news.example", "gone@news.example"):
        hasher.verified.clear()
        accounts.verify(email, "wrong password!!", "10.0.0.1")
        assert len(hasher.verified) == 1
    assert accounts.verify("gone@news.example", PASSWORD, "10.0.0.1") is None
    assert accounts.user("gone@news.example") is None
    assert accounts.list()[1] == ("gone@news.example", "editor", True)
    accounts.set_disabled("gone@news.example", False)
    assert accounts.verify("gone@news.example", PASSWORD, "10.0.0.1") is not None


def test_new_password_replaces_the_old(accounts: Accounts) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    accounts.set_password("desk@news.example", "a new long passphrase")
    assert accounts.verify("desk@news.example", PASSWORD, "k") is None
    assert accounts.verify("desk@news.example", "a new long passphrase", "k") is not None


def test_hash_is_upgraded_when_the_parameters_change(store: Store, clock: Clock) -> None:
    Accounts(store, hasher=fast_hasher(time_cost=1), clock=clock).add(
        "desk@news.example", PASSWORD, "editor"
    )
    stronger = fast_hasher(time_cost=2)
    accounts = Accounts(store, hasher=stronger, clock=clock)
    assert accounts.verify("desk@news.example", PASSWORD, "k") is not None
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(users_table.c.password_hash)).scalar_one()
    assert "t=2" in stored
    assert not stronger.check_needs_rehash(stored)
    assert accounts.verify("desk@news.example", PASSWORD, "k") is not None


def test_five_failures_lock_the_email_for_fifteen_minutes(accounts: Accounts, clock: Clock) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    for minute in range(5):
        clock.now = START + dt.timedelta(minutes=minute)
        assert accounts.verify("desk@news.example", "guess number one", f"10.0.0.{minute}") is None
    with pytest.raises(
        RateLimited, match=r"Try again after 09:15 UTC \(in about 11 minutes\)"
    ) as e:
        accounts.verify("desk@news.example", PASSWORD, "10.9.9.9")  # even the right password
    assert e.value.retry_at == START + dt.timedelta(minutes=15)

    clock.now = START + dt.timedelta(minutes=15, seconds=1)  # the first failure has aged out
    assert accounts.verify("desk@news.example", PASSWORD, "10.9.9.9") is not None


def test_a_successful_sign_in_clears_the_email_failures(accounts: Accounts, clock: Clock) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    for _ in range(4):
        accounts.verify("desk@news.example", "typo in password", "k")
        clock.advance(seconds=1)
    assert accounts.verify("desk@news.example", PASSWORD, "k") is not None
    for _ in range(4):
        clock.advance(seconds=1)
        assert accounts.verify("desk@news.example", "typo in password", "k") is None


def test_twenty_failures_from_one_address_lock_that_address(
    store: Store, accounts: Accounts, clock: Clock
) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    for n in range(20):
        accounts.verify(f"guess{n}@news.example", "guessing passwords", "203.0.113.7")
        clock.advance(seconds=10)
    with pytest.raises(RateLimited, match="network address"):
        accounts.verify("desk@news.example", PASSWORD, "203.0.113.7")
    assert accounts.verify("desk@news.example", PASSWORD, "198.51.100.2") is not None


def test_limits_are_configurable_and_refusals_write_nothing(store: Store, clock: Clock) -> None:
    accounts = Accounts(
        store,
        hasher=fast_hasher(),
        clock=clock,
        limits=RateLimits(per_email=1, window=dt.timedelta(minutes=1)),
    )
    accounts.verify("desk@news.example", "wrong password!", "k")
    for _ in range(3):
        with pytest.raises(RateLimited, match="in about 1 minute\\)"):
            accounts.verify("desk@news.example", "wrong password!", "k")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sign_in_attempts")).scalar_one() == 1


def test_old_attempts_are_pruned(store: Store, accounts: Accounts, clock: Clock) -> None:
    accounts.verify("desk@news.example", "wrong password!", "k")
    clock.advance(days=31)
    accounts.verify("desk@news.example", "wrong password!", "k")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sign_in_attempts")).scalar_one() == 1
