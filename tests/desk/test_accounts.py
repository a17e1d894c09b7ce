"""Roles and permissions, and the built-in accounts on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

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


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (13, 256), (14, 300), (10_000, 300)],
)
def test_back_off_doubles_after_five_failures_up_to_five_minutes(
    failures: int, seconds: int
) -> None:
    assert RateLimits().delay(failures) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("field", "value"),
    [("per_email", 0), ("per_client", -1), ("first_delay", dt.timedelta(0)),
     ("max_delay", dt.timedelta(seconds=-1)), ("window", dt.timedelta(0))],
)  # fmt: skip
def test_nonsense_limits_are_refused_naming_the_value(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"{field} must be .*got {re.escape(repr(value))}"):
        RateLimits(**{field: value})  # type: ignore[arg-type]


def test_failures_for_an_email_make_the_next_attempt_wait_never_lock(
    accounts: Accounts, clock: Clock
) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    for n in range(5):
        assert accounts.verify("desk@news.example", "guess number one", f"10.0.0.{n}") is None
    with pytest.raises(RateLimited, match=r"after 09:00:01 UTC \(in 1 second\)") as e:
        accounts.verify("desk@news.example", PASSWORD, "10.9.9.9")  # even the right password
    assert e.value.retry_at == START + dt.timedelta(seconds=1)
    assert "signed in to this account before is not held up" in str(e.value)
    clock.now = e.value.retry_at
    assert accounts.verify("desk@news.example", "guess number six", "10.0.0.6") is None
    with pytest.raises(RateLimited, match=r"in 2 seconds") as e:  # doubled, from the sixth
        accounts.verify("desk@news.example", PASSWORD, "10.9.9.9")
    clock.now = e.value.retry_at
    assert accounts.verify("desk@news.example", PASSWORD, "10.9.9.9") is not None


def hammer(accounts: Accounts, clock: Clock, email: str, addresses: int) -> dt.datetime:
    """A stranger's wrong guesses from many addresses, each as soon as the back-off allows.

    Return when the last recorded failure happened.
    """
    last = clock.now
    for n in range(addresses):
        address = f"198.51.{n // 250}.{n % 250}"
        try:
            accounts.verify(email, f"wrong guess {n:04}", address)
        except RateLimited as limited:
            clock.now = limited.retry_at
            accounts.verify(email, f"wrong guess {n:04}", address)
        last = clock.now
    return last


@pytest.mark.parametrize("addresses", [8, 100])
def test_a_stranger_guessing_from_many_addresses_cannot_lock_the_owner_out(
    accounts: Accounts, clock: Clock, addresses: int
) -> None:
    owner = accounts.add("boss@news.example", PASSWORD, "admin")
    device = accounts.remember_device(owner.email, dt.timedelta(days=180))  # signed in before
    last = hammer(accounts, clock, owner.email, addresses)

    assert accounts.verify(owner.email, PASSWORD, "192.0.2.10", device) == owner  # at once
    for _ in range(addresses // 10):  # and still while the stranger goes on
        clock.advance(minutes=3)
        last = hammer(accounts, clock, owner.email, 1)
        assert accounts.verify(owner.email, PASSWORD, "192.0.2.10", device) == owner

    with pytest.raises(RateLimited) as e:  # from a new device: at most five minutes
        accounts.verify(owner.email, PASSWORD, "192.0.2.11")
    assert e.value.retry_at - last <= RateLimits().max_delay
    clock.now = e.value.retry_at
    assert accounts.verify(owner.email, PASSWORD, "192.0.2.11") == owner


def test_a_known_device_counts_only_its_own_failures(accounts: Accounts, clock: Clock) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    accounts.add("other@news.example", PASSWORD, "editor")
    device = accounts.remember_device("desk@news.example", dt.timedelta(days=180))
    hammer(accounts, clock, "desk@news.example", 10)
    for _ in range(5):  # the owner's own typos
        assert accounts.verify("desk@news.example", "typo in password", "k", device) is None
    with pytest.raises(RateLimited, match=r"sign-ins from this browser.*in 1 second"):
        accounts.verify("desk@news.example", PASSWORD, "k", device)
    hammer(accounts, clock, "other@news.example", 10)
    with pytest.raises(RateLimited, match="for this email"):  # another account's device: none
        accounts.verify("other@news.example", PASSWORD, "k", device)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda accounts, clock, device: setattr(clock, "now", clock.now + dt.timedelta(days=31)),
        lambda accounts, clock, device: accounts.set_password(
            "desk@news.example", "a brand new passphrase"
        ),
        lambda accounts, clock, device: accounts.remember_device(
            "desk@news.example", dt.timedelta(days=30), replacing=device
        ),
    ],
    ids=["expired", "new password", "replaced by a new sign-in"],
)
def test_a_device_stops_being_known(accounts: Accounts, clock: Clock, spoil: Any) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    device = accounts.remember_device("desk@news.example", dt.timedelta(days=30))
    spoil(accounts, clock, device)
    hammer(accounts, clock, "desk@news.example", 8)
    with pytest.raises(RateLimited, match="for this email"):
        accounts.verify("desk@news.example", "whatever it is now", "k", device)


@pytest.mark.parametrize("token", [None, "", "made-up", "x" * 5000])
def test_made_up_device_tokens_are_no_known_device(
    accounts: Accounts, clock: Clock, token: str | None
) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    hammer(accounts, clock, "desk@news.example", 8)
    with pytest.raises(RateLimited, match="for this email"):
        accounts.verify("desk@news.example", PASSWORD, "k", token)


def test_only_the_hash_of_a_device_token_is_stored(accounts: Accounts, store: Store) -> None:
    accounts.add("desk@news.example", PASSWORD, "editor")
    token = accounts.remember_device("desk@news.example", dt.timedelta(days=1))
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM sign_in_devices")).scalars().all()
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64
    accounts.remove("desk@news.example")  # and it goes with its account
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sign_in_devices")).scalar_one() == 0


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
    device = accounts.remember_device("desk@news.example", dt.timedelta(days=1))
    for n in range(20):
        accounts.verify(f"guess{n}@news.example", "guessing passwords", "203.0.113.7")
        clock.advance(seconds=10)
    with pytest.raises(RateLimited, match=r"network address.*in about 12 minutes"):
        accounts.verify("desk@news.example", PASSWORD, "203.0.113.7", device)  # even known
    assert accounts.verify("desk@news.example", PASSWORD, "198.51.100.2") is not None


def test_limits_are_configurable_and_refusals_write_nothing(store: Store, clock: Clock) -> None:
    accounts = Accounts(
        store,
        hasher=fast_hasher(),
        clock=clock,
        limits=RateLimits(per_email=1, first_delay=dt.timedelta(minutes=1)),
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
