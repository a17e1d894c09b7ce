"""The extraction modules compiled to C with mypyc, where a C compiler is at hand.

``python -P geo/extract/native.py build`` compiles :data:`MODULES` in place (``make native`` adds
``--if-needed``: only when a compiled file is missing or older than its source):
a ``.so`` beside each source, which Python imports before the ``.py``. The code is the same
(mypy-checked, typed Python), so are the results; compiled, extraction runs about 1.4 times as
fast. Without a C compiler and Python's headers, or when compiling fails, the build says so and
the modules stay interpreted (the tests then fail where a compiler exists, so it is not missed).
``python -P geo/extract/native.py clean`` removes the compiled files.

A compiled module older than its source would run old code: importing ``geo`` refuses it
(:func:`check_fresh`), naming the source and the command that rebuilds it. The commands above
run this file as a script, without importing ``geo``, so a stale build never stops its rebuild.
"""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Sequence
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parents[1]  # the repository: sources are named from here
# The modules on the extraction path, in one compiled group (calls between them stay in C).
MODULES = ("textnorm", "matcher", "sentences", "speakers", "mentions")
GROUP = "geo.extract._native"
REBUILD = "make native (or: python -P geo/extract/native.py build, or clean to run interpreted)"


class StaleBuildError(ImportError):
    """A compiled module is older than its source."""


def compiled_files(package: Path = PACKAGE) -> list[Path]:
    """Return the compiled extension files in ``package`` (modules and their shared group)."""
    return sorted(
        {
            path
            for suffix in importlib.machinery.EXTENSION_SUFFIXES
            for path in package.glob(f"*{suffix}")
        }
    )


def stale(package: Path = PACKAGE) -> list[Path]:
    """Return the sources of ``package`` that changed after they were compiled."""
    found = []
    for compiled in compiled_files(package):
        source = package / (compiled.name.split(".", 1)[0] + ".py")
        if source.exists() and source.stat().st_mtime > compiled.stat().st_mtime:
            found.append(source)
    return found


def up_to_date(package: Path = PACKAGE) -> bool:
    """Return True when every module of :data:`MODULES` has a compiled file newer than its
    source and than this build script (which names the modules and how they compile)."""
    script = package / "native.py"
    built_after = script.stat().st_mtime if script.exists() else 0.0
    compiled = {path.name.split(".", 1)[0]: path for path in compiled_files(package)}
    if f"{GROUP.rsplit('.', 1)[1]}__mypyc" not in compiled:  # the code the modules share
        return False
    for name in MODULES:
        path = compiled.get(name)
        source = package / f"{name}.py"
        if path is None or path.stat().st_mtime < max(source.stat().st_mtime, built_after):
            return False
    return True


def check_fresh(package: Path = PACKAGE) -> None:
    """Raise :class:`StaleBuildError` when a compiled module is older than its source."""
    changed = stale(package)
    if changed:
        names = ", ".join(str(path.relative_to(package.parents[1])) for path in changed)
        raise StaleBuildError(f"{names} changed after it was compiled: run {REBUILD}")


def status() -> str:
    """Return which extraction modules run compiled, in a few words."""
    compiled = [
        name
        for name in MODULES
        if (module := sys.modules.get(f"{GROUP.rsplit('.', 1)[0]}.{name}")) is not None
        and str(getattr(module, "__file__", "")).endswith(
            tuple(importlib.machinery.EXTENSION_SUFFIXES)
        )
    ]
    if not compiled:
        return "interpreted (no compiled modules loaded)"
    return f"compiled with mypyc ({len(compiled)} of {len(MODULES)} extraction modules loaded)"


def c_compiler() -> str | None:
    """Return the C compiler Python's build tools would use ($CC first), or None.

    None also when Python's C headers are missing (Debian's python3-dev): nothing compiles then.
    """
    import os
    import shutil
    import sysconfig

    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return None
    configured = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    return shutil.which(configured[0]) if configured else None


def clean(package: Path = PACKAGE) -> int:
    """Remove the compiled files; return how many there were."""
    files = compiled_files(package)
    for path in files:
        path.unlink()
    return len(files)


def build(package: Path = PACKAGE, *, if_needed: bool = False) -> int:
    """Compile :data:`MODULES` into ``package``; return 0, compiled or not.

    Not compiling leaves the modules interpreted, which works: ``make run`` must not stop on a
    machine that cannot compile. What went wrong is printed in one line.

    Parameters
    ----------
    package
        Where the compiled files go (and old ones are removed): the ``geo`` package itself.
    if_needed
        Leave a build that is :func:`up_to_date` as it is.
    """
    if if_needed and up_to_date(package):
        print("geo.extract.native: the compiled modules are up to date")
        return 0
    clean(package)
    compiler = c_compiler()
    if compiler is None:
        print(
            "geo.extract.native: no C compiler (or no Python headers) found; "
            "the extraction modules run interpreted (slower)"
        )
        return 0
    import contextlib
    import shutil
    import tempfile

    from mypyc.build import mypycify  # the build tools come with the dev extra (mypy)
    from setuptools import Distribution

    sources = [f"geo/extract/{name}.py" for name in MODULES]  # module names come from these paths
    with contextlib.chdir(ROOT), tempfile.TemporaryDirectory(prefix="geo-native-") as scratch:
        try:
            extensions = mypycify(
                sources, separate=[(sources, GROUP)], target_dir=str(Path(scratch) / "c")
            )
            command = Distribution({"ext_modules": extensions}).get_command_obj("build_ext")
            command.build_temp = str(Path(scratch) / "temp")
            command.build_lib = str(Path(scratch) / "lib")
            command.ensure_finalized()
            command.run()
            for built in command.get_outputs():
                shutil.copy2(built, package / Path(built).name)
        except (Exception, SystemExit) as exc:  # setuptools reports compiler errors by exiting
            clean(package)
            print(f"geo.extract.native: compiling failed ({exc!r}); the modules run interpreted")
            return 0
    print(f"geo.extract.native: compiled {', '.join(MODULES)} with {compiler}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``build`` or ``clean``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -P geo/extract/native.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("action", choices=("build", "clean"))
    parser.add_argument(
        "--if-needed", action="store_true", help="build only when a compiled file is missing or old"
    )
    args = parser.parse_args(argv)
    if args.action == "build":
        return build(if_needed=args.if_needed)
    print(f"geo.extract.native: removed {clean()} compiled files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
