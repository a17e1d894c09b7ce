"""Run a throwaway PostgreSQL server for the tests: initdb into a temporary folder, start, stop."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVER_USER = "postgres"
"""The account the server runs as when the tests run as root (PostgreSQL refuses root)."""


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says why."""


def find_bindir() -> Path | None:
    """Return the folder of ``initdb`` and ``pg_ctl``: newest /usr/lib/postgresql, else PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(part) for part in Path(p).parent.name.split(".") if part.isdigit()],
        reverse=True,
    )
    for folder in map(Path, candidates):
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb).resolve().parent
    return None


@contextmanager
def postgres_server(bindir: Path) -> Iterator[str]:
    """Start a server on a free localhost port; yield the URL of its ``postgres`` database.

    Raises
    ------
    PostgresUnavailable
        When running as root and no ``postgres`` account exists to run the server as.
    subprocess.CalledProcessError
        When initdb or pg_ctl fails (its output is in the error).
    """
    as_user = _server_user()
    base = Path(tempfile.mkdtemp(prefix="geo-pg-"))
    data, sockets, log = base / "data", base / "sockets", base / "server.log"
    sockets.mkdir()
    if as_user is not None:
        shutil.chown(base, as_user.pw_uid, as_user.pw_gid)
        shutil.chown(sockets, as_user.pw_uid, as_user.pw_gid)
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        _run(as_user, bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync")  # fmt: skip
        _run(as_user, bindir / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            _run(as_user, bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _server_user() -> pwd.struct_passwd | None:
    """Return the account to run the server as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError as exc:
        raise PostgresUnavailable(
            f"running as root and there is no {SERVER_USER!r} account to run PostgreSQL as"
        ) from exc


def _run(as_user: pwd.struct_passwd | None, *command: object) -> None:
    """Run a PostgreSQL tool, as ``as_user`` when given; raise with its output if it fails."""
    args = [str(part) for part in command]
    if as_user is not None:
        args = ["runuser", "-u", as_user.pw_name, "--", *args]
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd="/")
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, args, done.stdout, done.stderr)


def _free_port() -> int:
    """Return a localhost TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
