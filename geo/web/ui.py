"""Streamlit pieces of the page: filters, messages and the side panel of quotes."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geo.desk.accounts import User
from geo.desk.audit import ACTIONS as AUDIT_ACTIONS
from geo.desk.reviews import Reviews
from geo.extract.mentions import Extractor
from geo.ingest.pipeline import BatchReport, ingest_items, ingest_upload
from geo.maps.exports import mentions_csv
from geo.maps.mapview import article_html, counted, escape_text, quote_html
from geo.model import Article, Mention
from geo.store.database import IngestOutcome, Store
from geo.web.view import SpeakerGroup

Flash = tuple[str, str]

MESSAGE_KEYS = ("flash", "import_report")
"""Session keys of what a form leaves for the reader: shown until dismissed or replaced."""


def leave_message(key: str, message: Any) -> None:
    """Keep ``message`` for the reader under ``key``, replacing what an earlier form left."""
    if key not in MESSAGE_KEYS:
        raise ValueError(f"unknown message key {key!r}; expected one of {MESSAGE_KEYS}")
    for old in MESSAGE_KEYS:
        st.session_state.pop(old, None)
    st.session_state[key] = message


def show_kept_message(key: str, show: Callable[[Any], None]) -> None:
    """Show the message kept under ``key`` with a button to dismiss it.

    The page reruns on its own (the map reports a new view after the data changed), so a
    message read once and dropped would vanish before anyone read it; it stays until the
    reader dismisses it or a form replaces it.
    """
    message = st.session_state.get(key)
    if message is None:
        return
    show(message)
    if st.button("Dismiss", key=f"dismiss-{key}"):
        st.session_state.pop(key, None)
        st.rerun()


def outcome_message(title: str, outcome: IngestOutcome) -> Flash:
    """Say what an ingest did, for the message shown after the page reruns."""
    mentions = counted(outcome.mentions, "mention")
    if outcome.status == "duplicate":
        return ("info", f"Already stored: {title!r}. Nothing changed.")
    if outcome.status == "new-version":
        return ("success", f"Stored a new version of {title!r}: {mentions}.")
    return ("success", f"Added {title!r}: {mentions} of contested places.")


def show_flash(flash: Flash) -> None:
    """Show what a form submit did: success, info or error."""
    level, text = flash
    {"error": st.error, "info": st.info}.get(level, st.success)(text)


def date_range_input(
    first: dt.date | None, last: dt.date | None, *, key: str
) -> tuple[dt.date | None, dt.date | None]:
    """A published-date range defaulting to everything stored; returns (since, until)."""
    if first is None or last is None:
        st.caption("No dated articles yet.")
        return None, None
    seeded = st.session_state.get(key)
    previous_full = st.session_state.get(f"{key}_full")
    if not (isinstance(seeded, tuple) and seeded and all(seeded)) or seeded == previous_full:
        st.session_state[key] = (first, last)  # not narrowed by the user: follow the store
    st.session_state[f"{key}_full"] = (first, last)
    picked = st.date_input(
        "Published between",
        format="YYYY-MM-DD",
        help="Only mentions from articles published in this range are counted.",
        key=key,
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked[0], picked[1]
    if isinstance(picked, tuple) and len(picked) == 1:
        return picked[0], picked[0]
    return first, last


def run_import(
    store: Store,
    extractor: Extractor,
    uploads: Sequence[UploadedFile],
    urls: str,
    source: str | None,
    published: dt.date | None,
    progress: DeltaGenerator,
) -> BatchReport:
    """Ingest uploaded files, then URLs, updating ``progress`` with counts and an estimate."""
    started = time.monotonic()
    report = BatchReport()
    lines = [line.strip() for line in urls.splitlines() if line.strip()]
    total_items = len(uploads) + len(lines)

    def show(done: int, total: int, label: str) -> None:
        elapsed = time.monotonic() - started
        left = elapsed / done * (total - done) if done else 0.0
        fraction = min(done / total, 1.0) if total else 1.0
        progress.progress(fraction, text=f"{done}/{total} · ~{left:.0f} s left · {label[-60:]}")

    for number, upload in enumerate(uploads, start=1):
        part = ingest_upload(
            store, extractor, upload.name, upload.getvalue(), source=source, published=published
        )
        report.records.extend(part.records)
        show(number, total_items, upload.name)
    if lines:
        part = ingest_items(
            store,
            extractor,
            lines,
            source=source,
            published=published,
            allow_paths=False,  # a line of the URL box must never read the server's own files
            on_progress=lambda done, total, label: show(
                len(uploads) + done, len(uploads) + total, label
            ),
        )
        report.records.extend(part.records)
    return report


def show_import_report(report: BatchReport) -> None:
    """After an import: the counts, one line per failure, and where each date came from."""
    failed = report.count("failed")
    (st.warning if failed else st.success)(f"Import: {report.summary()}.")
    for line in report.failures:
        st.text(f"✗ {line}")
    rows = [
        {
            "item": record.label,
            "status": record.status,
            "title": record.title,
            "published": record.published,
            "date from": record.date_from,
            "mentions": record.mentions,
            "note": record.note,
        }
        for record in report.records
        if record.status != "failed"
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)


def show_notices(notices: list[str]) -> None:
    """Say which link parameters were ignored, as plain text (a value may hold Markdown)."""
    if not notices:
        return
    with st.container(border=True):
        st.warning("Parts of this link were not understood and were ignored:", icon="⚠️")
        for notice in notices:
            st.text(notice)


def copy_link(url: str) -> None:
    """The "Copy link" control: the URL of the current view, with a copy button."""
    st.caption("Copy link to this view")
    st.code(url, language=None, wrap_lines=True)


EXPORT_FORMATS = {
    "csv": ("Mentions (CSV)", "text/csv"),
    "geojson": ("Places (GeoJSON)", "application/geo+json"),
    "gpkg": ("Places and mentions (GeoPackage)", "application/geopackage+sqlite3"),
    "html": ("Map to publish (HTML, works offline)", "text/html"),
    "png": ("Map for print (PNG)", "image/png"),
}
"""Each export of the current view: its button's label and its media type."""


def export_buttons(export: Callable[[str], bytes], stem: str) -> None:
    """Download buttons for the current view; each file is made only when its button is
    clicked (``export(format)``), and clicking does not rerun the page."""
    st.caption("Export this view")
    for fmt, (label, mime) in EXPORT_FORMATS.items():
        st.download_button(
            label,
            data=functools.partial(export, fmt),
            file_name=f"{stem}.{fmt}",
            mime=mime,
            on_click="ignore",
            key=f"export-{fmt}",
            width="stretch",
        )


def audit_page(entries: Callable[..., pd.DataFrame], actors: list[str]) -> None:
    """The audit log (admins): who changed which mention or account, when, before and after;
    newest first, filtered by person and action, and exported as CSV."""
    st.subheader("Audit log")
    left, right = st.columns(2)
    actor = left.selectbox("Who", ["Everyone", *actors], key="audit_actor")
    action = right.selectbox("What", ["Every change", *AUDIT_ACTIONS], key="audit_action")
    shown = entries(
        actor=None if actor == "Everyone" else actor,
        action=None if action == "Every change" else action,
        limit=200,
    )
    if shown.empty:
        st.info("No change recorded for this choice yet.")
        return
    st.caption(f"The newest {counted(len(shown), 'change')}, newest first.")
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(
        "Export as CSV",
        data=mentions_csv(shown.assign(at=shown["at"].map(lambda at: at.isoformat()))),
        file_name="audit-log.csv",
        mime="text/csv",
        on_click="ignore",
        key="audit_csv",
    )


def summary_line(located: gpd.GeoDataFrame, mentions: int, articles: int) -> str:
    """One line under the map: how many mentions, places and articles the view counts."""
    places = int((located["count"] > 0).sum())
    return (
        f"{counted(mentions, 'mention')} of {counted(places, 'place')} "
        f"in {counted(articles, 'article')}. "
        "Click a place for its quotes. © OpenStreetMap contributors, ODbL."
    )


QuotePages = Callable[[str, int], tuple[list[dict[str, Any]], int, bool]]
"""(location, pages) → (quotes, mentions they hold, whether more remain)"""


def pages_shown(location: str) -> int:
    """How many pages of a place's quotes this session has opened (1 until "More")."""
    return int(st.session_state.get("quote_pages", {}).get(location, 1))


def location_panel(
    located: gpd.GeoDataFrame,
    names: dict[str, str],
    load_pages: QuotePages,
    load_speakers: Callable[[str], list[SpeakerGroup]],
) -> str | None:
    """The side panel: pick a location (or click it on the map); its quotes, paged or by speaker."""
    counts = dict(zip(located["location_id"], located["count"], strict=True))
    mentioned = [loc for loc in counts if loc in names and counts[loc] > 0]
    if st.session_state.get("location") not in mentioned:
        st.session_state.pop("location", None)
    location = st.selectbox(
        "Quotes for",
        options=mentioned,
        format_func=names.__getitem__,  # no counts: a label that changes resets the choice
        index=None,
        placeholder="Click a place on the map, or choose one",
        key="location",
    )
    if location is None:
        st.info("Click a place on the map to read the quotes behind it.")
        return None
    st.subheader(names[location])
    mode = st.radio(
        "Show", ["Newest first", "By speaker"], horizontal=True, key="quote_mode",
        label_visibility="collapsed",
    )  # fmt: skip
    if mode == "By speaker":
        speaker_groups(load_speakers(location))
        return location
    pages = pages_shown(location)
    quotes, shown, more = load_pages(location, pages)
    st.caption(
        f"{counted(int(counts[location]), 'mention')}; newest first, "
        f"{shown} shown in {counted(len(quotes), 'sentence')}"
    )
    if not quotes:
        st.write("No mentions in the current filter.")
        return location
    body = "".join(quote_html(quote) for quote in quotes)
    st.html(f"<div class='cm-panel'>{_PANEL_STYLE}{body}</div>")
    if more and st.button("More quotes", key=f"more-{location}"):
        st.session_state.setdefault("quote_pages", {})[location] = pages + 1
        st.rerun()
    return location


def speaker_groups(groups: Sequence[SpeakerGroup]) -> None:
    """What each side says: one box per speaker, two side by side, count and dates on top."""
    if not groups:
        st.write("No quotes in the current filter.")
        return
    columns = st.columns(2)
    for index, group in enumerate(groups):
        who = escape_text(group.speaker) if group.speaker else "<i>The article's own voice</i>"
        span = (
            f", {escape_text(group.first_mention)} to {escape_text(group.last_mention)}"
            if group.first_mention
            else ", undated"
        )
        body = "".join(quote_html(quote) for quote in group.quotes)
        with columns[index % 2], st.container(border=True):
            st.html(
                f"<div class='cm-panel cm-speaker'>{_PANEL_STYLE}<h4>{who}</h4>"
                f"<p class='cm-count'>{counted(group.count, 'mention')}{span}</p>{body}</div>"
            )


ARTICLES_PAGE = 50


def articles_page(
    search: Callable[[str, int], tuple[pd.DataFrame, int]],
    open_article: Callable[[str], tuple[Article | None, list[Mention]]],
    names: dict[str, str],
) -> None:
    """The Articles view: search stored articles by their words, list them, read one marked."""
    words = st.text_input(
        "Search the articles", placeholder="Words in the title or text, e.g. Philadelphi",
        key="article_words", max_chars=200,
    )  # fmt: skip
    pages = int(st.session_state.get("article_pages", 1))
    found, total = search(words, pages * ARTICLES_PAGE)
    st.caption(f"{counted(total, 'article')}{' match' if words else ''}; newest first")
    if found.empty:
        return
    table = pd.DataFrame(
        {
            "title": found["title"],
            "source": found["source"],
            "published": [day.isoformat() if day else "undated" for day in found["published"]],
            "places": [", ".join(names.get(p, p) for p in ids) for ids in found["places"]],
            "mentions": found["mentions"],
        }
    )
    st.dataframe(table, hide_index=True, use_container_width=True)
    if total > len(found) and st.button("More articles"):
        st.session_state["article_pages"] = pages + 1
        st.rerun()
    titles = dict(zip(found["id"], found["title"], strict=True))
    if st.session_state.get("article") not in titles:
        st.session_state.pop("article", None)  # e.g. a link's article outside this search
    chosen = st.selectbox(
        "Read", options=list(titles), format_func=titles.__getitem__, index=None,
        placeholder="Choose an article to read it with its places marked", key="article",
    )  # fmt: skip
    if chosen:
        article, mentions = open_article(chosen)
        if article is not None:
            article_view(article, mentions, names)


def article_view(article: Article, mentions: Sequence[Mention], names: dict[str, str]) -> None:
    """One article: title, source, date and link, then its text with each mention marked."""
    date = article.published.isoformat() if article.published else "undated"
    meta = " · ".join(escape_text(part) for part in (article.source, date) if part)
    link = ""
    if article.url and article.url.lower().startswith(("https://", "http://")):
        link = (
            f" · <a href='{escape_text(article.url)}' target='_blank' "
            "rel='noopener noreferrer'>original</a>"
        )
    derived = " <small>(title from the text)</small>" if article.title_derived else ""
    spans = [(m.start, m.end, names.get(m.location_id, m.location_id)) for m in mentions]
    st.html(
        f"<div class='cm-article'>{_PANEL_STYLE}<h3>{escape_text(article.title)}{derived}</h3>"
        f"<p class='cm-meta'>{meta}{link}</p>{article_html(article.text, spans)}</div>"
    )


REVIEW_CHOICES = ("unreviewed", "confirmed", "rejected")


def review_panel(rows: pd.DataFrame, reviews: Reviews, user: User) -> None:
    """Editors confirm or reject each mention of the location, the extractor's least sure
    first (bare names and references back); rejected ones leave the map."""
    if rows.empty:
        return
    with st.expander(f"Review {len(rows)} mentions", expanded=False):
        table = pd.DataFrame(
            {
                "review": [r if r in REVIEW_CHOICES else "unreviewed" for r in rows["review"]],
                "surface": rows["surface"],
                "kind": rows["kind"],
                "sure": rows["confidence"],
                "speaker": rows["speaker"],
                "sentence": rows["sentence"],
                "title": rows["title"],
            }
        ).reset_index(drop=True)
        edited = st.data_editor(
            table,
            hide_index=True,
            disabled=["surface", "kind", "sure", "speaker", "sentence", "title"],
            column_config={
                "sure": st.column_config.ProgressColumn(
                    "Sure",
                    help="The extractor's confidence; the least sure come first.",
                    min_value=0.0,
                    max_value=1.0,
                    format="%.2f",
                ),
                "review": st.column_config.SelectboxColumn(
                    "Review", options=list(REVIEW_CHOICES), required=True
                ),
            },
            key=f"review-{rows['location_id'].iloc[0]}",
        )
        changed = [i for i in range(len(table)) if edited["review"][i] != table["review"][i]]
        if st.button(f"Save {len(changed)} reviews", disabled=not changed):
            keys = rows[["article_id", "location_id", "start", "end"]].reset_index(drop=True)
            saved = 0
            for i in changed:
                status = edited["review"][i]
                if status == "unreviewed":
                    continue
                key = keys.iloc[i]
                reviews.review(
                    user, key.article_id, key.location_id, int(key.start), int(key.end), status
                )
                saved += 1
            leave_message("flash", ("success", f"Saved {counted(saved, 'review')}."))
            st.rerun()


_PANEL_STYLE = (
    "<style>.cm-quote{margin:8px 0;padding-left:10px;border-left:3px solid #b2182b;}"
    ".cm-quote mark{background:#ffe08a;}.cm-quote footer{font-size:0.8em;color:#555;}"
    ".cm-speaker h4{margin:0;padding:0;font-size:1rem;}"
    ".cm-speaker .cm-count{margin:0 0 4px;font-size:0.8rem;color:#555;}"
    ".cm-speaker .cm-quote{font-size:0.9rem;}"
    ".cm-article mark{background:#ffe08a;}.cm-article .cm-meta{color:#555;font-size:0.85rem;}"
    "</style>"
)
