"""Extract: find every mention of a contested place in an article's text, pure and offline.

Hands on :class:`~geo.model.Mention` records (offsets, sentence, speaker, how it was found) and
the other cities and countries an article names. The modules on this path are compiled with
mypyc where a C compiler is present (:mod:`geo.extract.native`).
"""

from geo.extract.native import check_fresh

check_fresh()  # before the compiled modules load: one older than its source would run old code

from geo.extract.context import article_context_places  # noqa: E402
from geo.extract.mentions import Extractor  # noqa: E402

__all__ = ["Extractor", "article_context_places"]
