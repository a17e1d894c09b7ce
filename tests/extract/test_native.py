"""The compiled extraction modules: stale builds are refused, and a compiler means compiled."""

import os
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import geo.extract.mentions
from geo.extract import native

SUFFIX = EXTENSION_SUFFIXES[0]


def package(tmp_path: Path, source_time: int, compiled_time: int) -> Path:
    """A package folder holding mentions.py and its compiled module, with these mtimes."""
    (tmp_path / "mentions.py").write_text("")
    (tmp_path / f"mentions{SUFFIX}").write_bytes(b"")
    (tmp_path / f"_native__mypyc{SUFFIX}").write_bytes(b"")  # the shared group: no source
    os.utime(tmp_path / "mentions.py", (source_time, source_time))
    os.utime(tmp_path / f"mentions{SUFFIX}", (compiled_time, compiled_time))
    return tmp_path


def test_a_module_compiled_before_its_source_changed_is_refused(tmp_path: Path) -> None:
    stale = package(tmp_path, source_time=2_000, compiled_time=1_000)
    assert native.stale(stale) == [stale / "mentions.py"]
    with pytest.raises(native.StaleBuildError, match=r"mentions\.py changed after it was compiled"):
        native.check_fresh(stale)


def test_a_fresh_build_is_accepted(tmp_path: Path) -> None:
    fresh = package(tmp_path, source_time=1_000, compiled_time=2_000)
    assert native.stale(fresh) == []
    native.check_fresh(fresh)
    assert len(native.compiled_files(fresh)) == 2


def every_module(tmp_path: Path, *, missing: str = "", old: str = "") -> Path:
    """A package with every module compiled at t=2000 (sources at t=1000), but ``missing``
    left uncompiled and ``old`` compiled before its source."""
    for name in (*native.MODULES, "native"):
        (tmp_path / f"{name}.py").write_text("")
        os.utime(tmp_path / f"{name}.py", (1_000, 1_000))
    for name in (*native.MODULES, "_native__mypyc"):
        if name != missing:
            (tmp_path / f"{name}{SUFFIX}").write_bytes(b"")
            os.utime(tmp_path / f"{name}{SUFFIX}", (2_000, 2_000))
    if old:
        os.utime(tmp_path / f"{old}.py", (3_000, 3_000))
    return tmp_path


@pytest.mark.parametrize(
    ("missing", "old", "expected"),
    [
        ("", "", True),
        ("speakers", "", False),  # removed by `clean`: make must not take it as built
        ("_native__mypyc", "", False),
        ("", "sentences", False),
        ("", "native", False),  # the build script changed
    ],
)
def test_make_native_builds_only_when_needed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    missing: str,
    old: str,
    expected: bool,
) -> None:
    built = every_module(tmp_path, missing=missing, old=old)
    assert native.up_to_date(built) is expected
    monkeypatch.setattr(native, "c_compiler", lambda: None)  # a build would only clean
    assert native.build(built, if_needed=True) == 0
    assert bool(native.compiled_files(built)) is expected
    said = capsys.readouterr().out
    assert ("up to date" in said) is expected


def test_without_a_compiler_the_build_leaves_the_modules_interpreted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    built = package(tmp_path, source_time=1_000, compiled_time=2_000)
    monkeypatch.setattr(native, "c_compiler", lambda: None)
    assert native.build(built) == 0
    assert native.compiled_files(built) == []
    assert "no C compiler (or no Python headers) found" in capsys.readouterr().out


def test_a_failed_compile_leaves_the_modules_interpreted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import mypyc.build

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("compiler exploded")

    built = package(tmp_path, source_time=1_000, compiled_time=2_000)
    monkeypatch.setattr(native, "c_compiler", lambda: "/usr/bin/cc")
    monkeypatch.setattr(mypyc.build, "mypycify", broken)
    assert native.build(built) == 0
    assert native.compiled_files(built) == []
    assert "compiling failed (RuntimeError('compiler exploded'))" in capsys.readouterr().out


def test_where_a_compiler_exists_extraction_runs_compiled() -> None:
    if native.c_compiler() is None:
        pytest.skip("no C compiler here: the extraction modules run interpreted")
    assert geo.extract.mentions.__file__ is not None
    assert geo.extract.mentions.__file__.endswith(SUFFIX), f"not compiled: run {native.REBUILD}"
    assert native.status() == "compiled with mypyc (5 of 5 extraction modules loaded)"
