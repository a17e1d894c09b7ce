"""The Streamlit page: reads widgets, calls the ``geo`` package, draws. ``app.py`` runs it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.desk import PermissionDenied, Reviews, User, apply_reviews, require
from geo.desk.audit import AuditLog
from geo.extract import Extractor
from geo.extract.context import mentions_and_places
from geo.ingest import ArticleError, article_from_text, ingest_article
from geo.maps import ViewState, draw, exports, parse_query, share_url, timeline, to_query
from geo.maps.assets import SAMPLE_PATH, served_assets
from geo.maps.mapview import location_from_tooltip
from geo.model import Article, Mention
from geo.places import Gazetteer, load_gazetteer
from geo.store import Store
from geo.web import ui
from geo.web.signin import auth_config, current_user, sign_out_button
from geo.web.view import (
    QUOTES_PAGE,
    MapData,
    SpeakerGroup,
    ViewFilter,
    load_map_data,
    load_quotes,
    load_speaker_groups,
)

MAP_HEIGHT = 720  # pixels: over 70% of a 1000-pixel-high window
# The map is the page: Streamlit's wide layout still keeps 5rem margins and a tall title.
PAGE_STYLE = (
    "<style>.block-container{padding:2.5rem 1.5rem 1rem;max-width:100%;}"
    "h1{padding:0 0 .25rem;font-size:1.75rem;}</style>"
)


@st.cache_resource
def get_gazetteer() -> Gazetteer:
    return load_gazetteer()


@st.cache_resource
def get_extractor() -> Extractor:
    return Extractor.from_gazetteer(get_gazetteer())


@st.cache_resource
def get_store() -> Store:
    """Open the store once per server; an empty database gets the sample article."""
    store = Store()
    if store.count_articles() == 0 and SAMPLE_PATH.is_file():
        sample = article_from_text(
            SAMPLE_PATH.read_text(encoding="utf-8"),
            title="Gaza cease-fire talks moving forward: White House",  # the story's URL slug
            source="Anadolu Agency",
            published=dt.date(2024, 8, 23),
            url="https://www.aa.com.tr/en/middle-east/gaza-cease-fire-talks-moving-forward-white-house/3311640",
        )
        ingest_article(store, get_extractor(), sample)
    scan_places(store, get_extractor())
    return store


def scan_places(store: Store, extractor: Extractor) -> None:
    """Find the context places of articles stored before places were kept (once each)."""
    while articles := store.articles_to_scan(500):
        for article in articles:
            store.set_places(article.id, mentions_and_places(extractor, article.text)[1])


@st.cache_resource(max_entries=256, show_spinner=False, ttl=3600)
def load_view(revision: str, view: ViewFilter) -> MapData:
    """What one filter shows, counted in SQL; shared by every session (callers only read it)."""
    return load_map_data(get_store(), get_gazetteer(), view)


@st.cache_data(max_entries=16, show_spinner="Preparing the export…", ttl=600)
def export_view(revision: str, view: ViewFilter, fmt: str) -> bytes:
    """The current view as a file to download: its mentions (editors' rejections left out)
    and each place as it stood at the view's "as of" day."""
    mentions = get_store().mentions(**view.everything())
    gazetteer = get_gazetteer()
    if fmt == "csv":
        return exports.mentions_csv(mentions).encode("utf-8")
    if fmt == "geojson":
        return exports.locations_geojson(mentions, gazetteer, as_of=view.as_of).encode("utf-8")
    if fmt == "gpkg":
        return exports.locations_geopackage(mentions, gazetteer, as_of=view.as_of)
    if fmt == "html":
        return exports.standalone_html(mentions, gazetteer, as_of=view.as_of).encode("utf-8")
    if fmt == "png":
        return exports.print_png(mentions, gazetteer, as_of=view.as_of)
    raise ValueError(f"unknown export format {fmt!r}")


@st.cache_data(max_entries=64, show_spinner=False, ttl=3600)
def load_timeline(
    revision: str, locations: tuple[str, ...], sources: tuple[str, ...]
) -> pd.DataFrame:
    """Mentions per place and week over every date (the places and sources filters applied)."""
    counts = get_store().daily_counts(
        location_ids=list(locations) or None, sources=list(sources) or None
    )
    return timeline.weekly(counts, location_names())


def pick_days_from_timeline() -> None:
    """Set the date filter to the week clicked, or the span dragged, in the timeline."""
    event = st.session_state.get("timeline")
    days = timeline.picked_days(event.selection) if event is not None else None
    if days is not None:
        st.session_state.f_dates = days


@st.cache_data(max_entries=512, show_spinner=False, ttl=3600)
def load_quotes_page(
    revision: str, location: str, view: ViewFilter, pages: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """A place's quotes, the first ``pages`` pages of 50 mentions, newest first."""
    return load_quotes(get_store(), location, view, pages)


def load_review_rows(location: str, view: ViewFilter, pages: int) -> pd.DataFrame:
    """The mentions an editor reviews (rejected ones too), least sure first, 50 a page."""
    store = get_store()
    rows = store.quotes(
        location,
        **view.dates_and_sources(),
        limit=pages * QUOTES_PAGE,
        include_rejected=True,
        least_sure_first=True,
    )
    reviews = Reviews(store).reviews_for(rows["article_id"].unique())
    return apply_reviews(rows, reviews, include_rejected=True)


@st.cache_data(max_entries=256, show_spinner=False, ttl=3600)
def search_articles(revision: str, words: str, limit: int) -> tuple[pd.DataFrame, int]:
    """Stored articles holding ``words`` (all when empty), newest first, up to ``limit``."""
    return get_store().search_articles(words, limit=limit)


@st.cache_data(max_entries=256, show_spinner=False, ttl=3600)
def open_article(revision: str, article_id: str) -> tuple[Article | None, list[Mention]]:
    """One stored article and its mentions, to read with the places marked."""
    store = get_store()
    return store.article(article_id), store.article_mentions(article_id)


@st.cache_resource
def location_names() -> dict[str, str]:
    gazetteer = get_gazetteer()
    return {loc: gazetteer.name_of(loc) for loc in gazetteer.location_ids()}


@st.cache_data(max_entries=8, show_spinner=False)
def load_choices(revision: str) -> tuple[list[str], list[str], dt.date | None, dt.date | None]:
    """The sidebar's choices: sources, speakers (most quoted first) and the date range."""
    store = get_store()
    first, last = store.date_range()
    return store.sources(), store.speakers(), first, last


@st.cache_data(max_entries=256, show_spinner=False, ttl=3600)
def load_speakers_page(revision: str, location: str, view: ViewFilter) -> list[SpeakerGroup]:
    """What each side says about a place: its most quoted speakers, newest quotes each."""
    return load_speaker_groups(get_store(), location, view)


def add_article_form(store: Store, extractor: Extractor, user: User) -> None:
    """The "Add article" form (editors): ingests on submit and reports what happened."""
    with (
        st.expander("Add article", expanded=False),
        st.form("add-article", clear_on_submit=True),
    ):
        title = st.text_input("Title")
        source = st.text_input("Source", placeholder="e.g. Anadolu Agency")
        published = st.date_input(
            "Published",
            value=None,
            format="YYYY-MM-DD",
            help="Leave empty when the article gives no date: it is stored undated.",
        )
        text = st.text_area("Article text", height=200)
        if st.form_submit_button("Add to map", type="primary"):
            try:
                require(user, "add_article")
                article = article_from_text(
                    text, title=title or None, source=source or None, published=published
                )
                outcome = ingest_article(store, extractor, article)
            except (ArticleError, PermissionDenied) as error:
                ui.leave_message("flash", ("error", f"Not added: {error}"))
            else:
                ui.leave_message("flash", ui.outcome_message(article.title, outcome))
            st.rerun()


def import_form(store: Store, extractor: Extractor, user: User) -> None:
    """Upload files (articles, .jsonl archives, feeds) or paste URLs (editors); report each."""
    with (
        st.expander("Import files or URLs", expanded=False),
        st.form("import", clear_on_submit=True),
    ):
        uploads = st.file_uploader(
            "Files",
            type=["txt", "md", "html", "htm", "jsonl", "xml", "rss", "atom"],
            accept_multiple_files=True,
            help="Articles (.txt, .md, .html), JSON Lines archives, RSS/Atom feeds; 5 MB each.",
        )
        urls = st.text_area("URLs, one per line", placeholder="https://…", key="import_urls")
        source = st.text_input("Source, where an item names none", key="import_source")
        published = st.date_input(
            "Published, where an item has no date", value=None, format="YYYY-MM-DD"
        )
        if st.form_submit_button("Import"):
            require(user, "add_article")
            progress = st.progress(0.0, text="Starting…")
            report = ui.run_import(
                store, extractor, uploads or [], urls, source or None, published, progress
            )
            ui.leave_message("import_report", report)
            st.rerun()


def seed_view_from_url(
    gazetteer: Gazetteer,
    sources: list[str],
    speakers: list[str],
    first: dt.date | None,
    last: dt.date | None,
) -> None:
    """Read the view from the URL once per session and seed the widgets with it."""
    if "view_notices" not in st.session_state:
        params = {name: st.query_params.get_all(name) for name in st.query_params}
        state, notices = parse_query(
            params,
            known_locations=gazetteer.location_ids(),
            known_sources=sources,
            known_speakers=speakers,
        )
        st.session_state.view_notices = notices
        st.session_state.f_dates = (state.since or first, state.until or last)
        st.session_state.f_as_of = state.as_of
        st.session_state.f_locations = list(state.locations)
        st.session_state.f_sources = list(state.sources)
        st.session_state.f_speakers = list(state.speakers)
        st.session_state.f_basemap = state.basemap
        if state.selected:
            st.session_state.location = state.selected
        if state.center and state.zoom:
            st.session_state.map_view = (state.center, state.zoom)
        st.session_state.article = state.article


def main() -> None:
    st.set_page_config(page_title="Contested Map", page_icon="🗺️", layout="wide")
    gazetteer = get_gazetteer()
    extractor = get_extractor()
    store = get_store()
    revision = store.revision()
    config = auth_config()
    user = current_user(config, store)
    sources, speakers, first, last = load_choices(revision)
    seed_view_from_url(gazetteer, sources, speakers, first, last)

    st.markdown(PAGE_STYLE, unsafe_allow_html=True)  # a fixed string, no user text
    st.title("Contested Map")
    ui.show_kept_message("flash", ui.show_flash)
    ui.show_notices(st.session_state.get("view_notices", []))
    ui.show_kept_message("import_report", ui.show_import_report)

    with st.sidebar:
        views = ["Map", "Articles"] + (["Audit log"] if user.can("manage_users") else [])
        page = st.radio("Show", views, horizontal=True, key="f_page")
        st.header("Filters")
        names = location_names()
        since, until = ui.date_range_input(first, last, key="f_dates")
        st.session_state.setdefault("f_as_of", None)  # seeded from the URL, else empty
        as_of: dt.date | None = st.date_input(
            "As of",
            format="YYYY-MM-DD",
            key="f_as_of",
            help="Draw each place as it stood on this day and count mentions up to it. "
            "Empty: the end of the date range (today when nothing is dated).",
        )
        chosen_locations = st.multiselect(
            "Locations", options=list(names), format_func=names.__getitem__, key="f_locations"
        )
        chosen_sources = st.multiselect("Sources", options=sources, key="f_sources")
        chosen_speakers = st.multiselect(
            "Speakers",
            options=speakers,
            key="f_speakers",
            help="Quotes of these speakers only (the map still counts every mention).",
        )
        basemap = st.radio(
            "Basemap",
            options=["offline", "osm"],
            format_func={"offline": "Offline outlines", "osm": "OpenStreetMap tiles"}.get,
            help="Outlines work with no internet; tiles need it.",
            key="f_basemap",
        )
        st.toggle(
            "Quotes beside the map",
            value=True,
            key="f_panel",
            help="Off: the map takes the full width and the quotes follow under it.",
        )
        if user.can("add_article"):
            add_article_form(store, extractor, user)
            import_form(store, extractor, user)
        link_box = st.container()
        export_box = st.container()
    sign_out_button(user, config, store)

    if page == "Audit log":
        require(user, "manage_users")  # a forged page choice changes nothing for others
        audit_log = AuditLog(store)
        ui.audit_page(audit_log.entries, audit_log.actors())
        return
    if page == "Articles":
        ui.articles_page(
            lambda words, limit: search_articles(revision, words, limit),
            lambda article_id: open_article(revision, article_id),
            names,
        )
        return
    # The whole date range is no date filter: undated articles count until dates are narrowed.
    shown_since = since if since != first else None
    shown_until = until if until != last else None
    if as_of is not None and shown_since is not None and as_of < shown_since:
        st.warning(
            f"“As of” {as_of.isoformat()} is before the date range: the places are drawn as "
            "they stood that day, and the mentions counted are the whole range's."
        )
    elif as_of is not None and (shown_until is None or as_of < shown_until):
        shown_until = as_of  # mentions up to the "as of" day
    view_filter = ViewFilter(
        shown_since,
        shown_until,
        tuple(chosen_locations),
        tuple(chosen_sources),
        tuple(chosen_speakers),
        as_of=as_of or until,  # the places as they stood that day, else at the range's end
    )
    data = load_view(revision, view_filter)
    located = data.located
    fmap = draw(located, gazetteer, served_assets(), basemap=basemap, context_places=data.places)

    if st.session_state.get("f_panel", True):
        map_column, panel = st.columns([5, 3], gap="medium")
    else:  # the map takes the whole width; quotes follow under it
        map_column, panel = st.container(), st.container()
    with map_column:
        center, zoom = st.session_state.get("map_view", (None, None))
        returned = st_folium(
            fmap,
            height=MAP_HEIGHT,
            use_container_width=True,
            render=False,  # st_folium renders the map itself; the full-page render is unused
            center=center,
            zoom=zoom,
            returned_objects=["last_object_clicked_tooltip", "center", "zoom"],
            key="map",
        )
        st.caption(ui.summary_line(located, data.mentions, data.articles))
        weeks = load_timeline(revision, tuple(chosen_locations), tuple(chosen_sources))
        if not weeks.empty:
            st.altair_chart(
                timeline.timeline_chart(weeks),
                on_select=pick_days_from_timeline,
                selection_mode=["week", "span"],
                key="timeline",
                width="stretch",
            )
            st.caption("Click a week, or drag across weeks, to show only those days.")
    returned = returned or {}
    if returned.get("center") and returned.get("zoom"):
        st.session_state.map_view = (
            (returned["center"]["lat"], returned["center"]["lng"]),
            int(returned["zoom"]),
        )
    by_name = {name: loc for loc, name in names.items()}
    clicked_location = location_from_tooltip(returned.get("last_object_clicked_tooltip"), by_name)
    if clicked_location and clicked_location != st.session_state.get("last_clicked"):
        st.session_state["last_clicked"] = clicked_location
        st.session_state["location"] = clicked_location
    with panel:
        location = ui.location_panel(
            located,
            names,
            lambda loc, pages: load_quotes_page(revision, loc, view_filter, pages),
            lambda loc: load_speakers_page(revision, loc, view_filter),
        )
        if location and user.can("review"):
            pages = ui.pages_shown(location)
            ui.review_panel(load_review_rows(location, view_filter, pages), Reviews(store), user)

    map_center, map_zoom = st.session_state.get("map_view", (None, None))
    view = ViewState(
        since=since if since != first else None,
        until=until if until != last else None,
        as_of=as_of,
        locations=tuple(chosen_locations),
        sources=tuple(chosen_sources),
        speakers=tuple(chosen_speakers),
        basemap=basemap,
        selected=st.session_state.get("location"),
        center=map_center,
        zoom=map_zoom,
        article=st.session_state.get("article"),
    )
    query = to_query(view)
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)
    with link_box:
        ui.copy_link(share_url(st.context.url or "http://localhost:8501/", view))
    with export_box:
        stem = f"contested-map-{(view_filter.as_of or dt.date.today()).isoformat()}"
        ui.export_buttons(lambda fmt: export_view(revision, view_filter, fmt), stem)
