"""Ingest: read articles from text, HTML, files, feeds, archives and URLs; extract and store them.

Readers turn each item into an :class:`~geo.model.Article`; the batch pipeline sends each
through extraction into the store and reports, per item, what was stored or why not.
:mod:`geo.ingest.queue` lets workers on other machines do the extracting and storing: the
pipeline enqueues the articles in the store's PostgreSQL instead.
"""

from geo.ingest.articles import ArticleError, article_from_text
from geo.ingest.pipeline import BatchReport, ingest_article, ingest_items, ingest_upload

__all__ = [
    "ArticleError",
    "BatchReport",
    "article_from_text",
    "ingest_article",
    "ingest_items",
    "ingest_upload",
]
