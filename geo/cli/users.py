"""``python -m geo users add|remove|list|set-role|set-password|disable|enable``: built-in accounts.

Passwords are never taken as arguments (they would stay in the shell history and the process
list): ``--password-stdin`` reads one line from stdin, otherwise the terminal asks twice.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from geo.cli.errors import EXIT_OK, CommandError
from geo.desk.accounts import ROLES, AccountError, Accounts

T = TypeVar("T")


def register(subcommands: Any) -> None:
    """Add the ``users`` command to the subparsers of ``python -m geo``.

    Parameters
    ----------
    subcommands
        What ``ArgumentParser.add_subparsers()`` returned.
    """
    users = subcommands.add_parser("users", help="manage the built-in accounts (accounts mode)")
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="create an account")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=ROLES)
    _password_option(add)
    add.set_defaults(handler=cmd_users_add)

    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("email")
    remove.set_defaults(handler=cmd_users_remove)

    listing = actions.add_parser("list", help="list the accounts and their roles")
    listing.set_defaults(handler=cmd_users_list)

    set_role = actions.add_parser("set-role", help="change an account's role")
    set_role.add_argument("email")
    set_role.add_argument("role", choices=ROLES)
    set_role.set_defaults(handler=cmd_users_set_role)

    set_password = actions.add_parser("set-password", help="replace an account's password")
    set_password.add_argument("email")
    _password_option(set_password)
    set_password.set_defaults(handler=cmd_users_set_password)

    for name, disabled in (("disable", True), ("enable", False)):
        toggle = actions.add_parser(name, help=f"{name} an account (it stays listed)")
        toggle.add_argument("email")
        toggle.set_defaults(handler=cmd_users_disable if disabled else cmd_users_enable)


def cmd_users_add(args: argparse.Namespace) -> int:
    """Create an account with the password read from stdin or the terminal."""
    password = read_password(args.password_stdin)
    user = _run(lambda accounts: accounts.add(args.email, password, args.role))
    print(f"added {user.email!r} as {user.role}")
    return EXIT_OK


def cmd_users_remove(args: argparse.Namespace) -> int:
    """Delete an account."""
    _run(lambda accounts: accounts.remove(args.email))
    print(f"removed {args.email.strip().lower()!r}")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    """Print one line per account: email, role, and ``disabled`` when it is."""
    rows = _run(lambda accounts: accounts.list())
    if not rows:
        print("no accounts; add one with: python -m geo users add EMAIL --role admin")
        return EXIT_OK
    width = max(len(email) for email, _, _ in rows)
    for email, role, disabled in rows:
        print(f"{email:<{width}}  {role:<6}  {'disabled' if disabled else ''}".rstrip())
    return EXIT_OK


def cmd_users_set_role(args: argparse.Namespace) -> int:
    """Change an account's role."""
    user = _run(lambda accounts: accounts.set_role(args.email, args.role))
    print(f"{user.email!r} is now {user.role}")
    return EXIT_OK


def cmd_users_set_password(args: argparse.Namespace) -> int:
    """Replace an account's password."""
    password = read_password(args.password_stdin)
    _run(lambda accounts: accounts.set_password(args.email, password))
    print(f"changed the password of {args.email.strip().lower()!r}")
    return EXIT_OK


def cmd_users_disable(args: argparse.Namespace) -> int:
    """Disable an account: no sign-in, and its open sessions end at their next page load."""
    _run(lambda accounts: accounts.set_disabled(args.email, True))
    print(f"disabled {args.email.strip().lower()!r}")
    return EXIT_OK


def cmd_users_enable(args: argparse.Namespace) -> int:
    """Enable a disabled account."""
    _run(lambda accounts: accounts.set_disabled(args.email, False))
    print(f"enabled {args.email.strip().lower()!r}")
    return EXIT_OK


def read_password(from_stdin: bool) -> str:
    """Read a new password: one line of stdin, or typed twice at the terminal."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CommandError("--password-stdin: stdin is empty")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for the password on; pass --password-stdin")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Same password again: ") != first:
        raise CommandError("the two passwords differ; nothing changed")
    return first


def _password_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of stdin instead of asking",
    )


def _run(action: Callable[[Accounts], T]) -> T:
    """Run ``action`` on the accounts of the configured store; bad requests become one line."""
    from geo.cli.services import open_store

    store = open_store()
    try:
        return action(Accounts(store))
    except AccountError as error:
        raise CommandError(str(error)) from None
    finally:
        store.close()
