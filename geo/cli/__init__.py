"""Command line: ``python -m geo extract|ingest|mentions|export|layers check|eval|users``.

The contract in ``../shared/design.md``: JSON or CSV on stdout; bad input is one line on stderr
and a non-zero exit, with nothing already stored lost.
"""

from geo.cli.main import main

__all__ = ["main"]
