"""``python -m geo users …``: built-in accounts from the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from geo.cli import users
from geo.cli.errors import CommandError

PASSWORD = "correct horse battery"


def users_parser() -> argparse.ArgumentParser:
    """A parser with only the ``users`` command, as geo.cli.main builds it after register()."""
    parser = argparse.ArgumentParser(prog="python -m geo")
    users.register(parser.add_subparsers(dest="command", required=True))
    return parser


def run_users(argv: list[str], stdin: str = "") -> int:
    """Parse and run one ``users`` command in-process, as geo.cli.main.main does."""
    args = users_parser().parse_args(["users", *argv])
    with mock.patch("sys.stdin", io.StringIO(stdin)):
        status: int = args.handler(args)
    return status


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GEO_DB_URL", db_url)
    return db_url


@pytest.mark.usefixtures("cli_db")
def test_users_commands_manage_accounts(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_users(["list"]) == 0
    assert "no accounts" in capsys.readouterr().out
    assert (
        run_users(
            ["add", "Desk@News.example", "--role", "editor", "--password-stdin"], PASSWORD + "\n"
        )
        == 0
    )
    assert (
        run_users(["add", "boss@news.example", "--role", "admin", "--password-stdin"], PASSWORD)
        == 0
    )
    assert run_users(["set-role", "desk@news.example", "viewer"]) == 0
    assert run_users(["disable", "boss@news.example"]) == 0
    assert run_users(["list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "added 'desk@news.example' as editor",
        "added 'boss@news.example' as admin",
        "'desk@news.example' is now viewer",
    ]
    assert out[-2:] == [
        "boss@news.example  admin   disabled",
        "desk@news.example  viewer",
    ]
    assert run_users(["enable", "boss@news.example"]) == 0
    assert (
        run_users(
            ["set-password", "boss@news.example", "--password-stdin"], "a brand new passphrase\n"
        )
        == 0
    )
    assert run_users(["remove", "desk@news.example"]) == 0
    capsys.readouterr()
    assert run_users(["list"]) == 0
    assert capsys.readouterr().out == "boss@news.example  admin\n"


@pytest.mark.usefixtures("cli_db")
@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["remove", "ghost@news.example"], "", "there is no account for 'ghost@news.example'"),
        (["set-role", "ghost@news.example", "admin"], "", "no account for 'ghost@news.example'"),
        (
            ["add", "nobody", "--role", "viewer", "--password-stdin"],
            PASSWORD,
            "not an email address: 'nobody'",
        ),
        (
            ["add", "a@news.example", "--role", "viewer", "--password-stdin"],
            "short\n",
            "it needs at least 12",
        ),
        (["add", "a@news.example", "--role", "viewer", "--password-stdin"], "", "stdin is empty"),
        (["add", "a@news.example", "--role", "viewer"], "", "pass --password-stdin"),  # no terminal
    ],
)
def test_users_commands_refuse_bad_requests_in_one_line(
    argv: list[str], stdin: str, message: str
) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        run_users(argv, stdin)


@pytest.mark.usefixtures("cli_db")
def test_users_add_asks_twice_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    typed = iter([PASSWORD, PASSWORD + "x", PASSWORD, PASSWORD])
    monkeypatch.setattr(users.getpass, "getpass", lambda prompt: next(typed))
    monkeypatch.setattr(users.sys.stdin, "isatty", lambda: True, raising=False)
    args = users_parser().parse_args(["users", "add", "desk@news.example", "--role", "editor"])
    with pytest.raises(CommandError, match="the two passwords differ"):
        args.handler(args)
    assert args.handler(args) == 0


def test_users_add_needs_a_known_role(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        users_parser().parse_args(["users", "add", "a@news.example", "--role", "owner"])
    assert exited.value.code == 2
    assert "invalid choice: 'owner'" in capsys.readouterr().err


def test_python_m_geo_users(tmp_path: Path) -> None:
    env = {**os.environ, "GEO_DB_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    command = [sys.executable, "-m", "geo", "users"]
    added = subprocess.run(
        [*command, "add", "desk@news.example", "--role", "editor", "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert (added.returncode, added.stdout) == (0, "added 'desk@news.example' as editor\n")
    again = subprocess.run(
        [*command, "add", "desk@news.example", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert again.returncode == 1
    assert again.stderr == "error: there is already an account for 'desk@news.example'\n"
    listed = subprocess.run([*command, "list"], capture_output=True, text=True, env=env, check=True)
    assert listed.stdout == "desk@news.example  editor\n"
