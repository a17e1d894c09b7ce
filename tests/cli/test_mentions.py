"""``python -m geo mentions``: filters by place and source; an unknown one is an error naming it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEXT = "Egypt kept the Rafah crossing shut, AFP reported. The Philadelphi Corridor stayed."


def geo(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GEO_DB_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "geo", *args], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    (folder / "a.txt").write_text(TEXT)
    path = folder / "store.db"
    done = geo("ingest", str(folder / "a.txt"), "--source", "AFP", db=path)
    assert done.returncode == 0, done.stderr
    return path


def test_mentions_of_one_place_and_source(db: Path) -> None:
    done = geo("mentions", "--location", "rafah-crossing", "--source", "AFP", db=db)
    assert done.returncode == 0, done.stderr
    mentions = json.loads(done.stdout)["mentions"]
    assert {m["location_id"] for m in mentions} == {"rafah-crossing"}
    assert mentions[0]["published"] is None  # no date given: stored undated


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--location", "rafah"), "error: unknown location id 'rafah'; known: "),
        (("--source", "Reuters"), "error: unknown source 'Reuters'; known: AFP"),
    ],
)
def test_an_unknown_place_or_source_is_an_error_naming_it(
    db: Path, args: tuple[str, ...], message: str
) -> None:
    done = geo("mentions", *args, db=db)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(message) and len(done.stderr.splitlines()) == 1
