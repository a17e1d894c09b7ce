"""Contested Map: find mentions of contested places in news and map them with their quotes.

One subpackage per stage, each building only on those listed before it (``make lint`` checks):
``places`` (layer files → gazetteer) and ``extract`` (text → mentions, pure), ``store`` (the
database), ``ingest`` (read articles, extract, store) and ``maps`` (join and draw, pure),
``desk`` (accounts, roles, reviews), ``web`` (the Streamlit page's parts), ``cli`` on top.
:mod:`geo.model` holds the records they pass along.
"""

__version__ = "0.1.0"
