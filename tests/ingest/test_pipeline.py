"""The ingest path end to end: files, folders, archives, feeds and URLs into a real store.

A local HTTP server (tests/httpserver.py) stands for the web; no test touches the internet.
Every store test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.extract.mentions import Extractor
from geo.ingest.fetch import ALLOW_PRIVATE_ENV, Fetcher
from geo.ingest.pipeline import BatchReport, ItemRecord, ingest_items, ingest_upload
from geo.model import Alias, Mention
from geo.store.database import Store
from tests.httpserver import PNG_BYTES, LocalServer

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 1.0  # a local fetch on a busy 2-core CI machine can take a few tenths
USER_DAY = dt.date(2024, 9, 1)

CROSSING = "The Rafah crossing stayed closed on Monday, officials in Cairo said."
CORRIDOR = "Negotiators discussed the Philadelphi Corridor again on Tuesday, a diplomat said."
JUNCTION = "Troops left the Netzarim Junction overnight, residents told reporters."
KEREM = "Aid trucks queued at the Kerem Shalom crossing for a second day, the agency said."
ROAD = "Convoys used the coastal road near the Netzarim Corridor, witnesses said on Sunday."
ARABIC = "قالت حركة حماس إن المقترح يتوافق مع شروط نتنياهو، ولا سيما معبر رفح ومحور فيلادلفيا."


def page(body: str, *, title: str, date: str | None = None, site: str = "Example Wire") -> str:
    """A tiny article page with the metadata trafilatura reads."""
    date_meta = f'<meta name="date" content="{date}">' if date else ""
    return f"""<!doctype html><html><head><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">
{date_meta}</head><body><nav><a href="/">Home</a></nav>
<article><h1>{title}</h1><p>{body}</p><p>Officials gave no further details on Friday.</p>
</article><footer>Share this article</footer></body></html>"""


def rss(entries: Sequence[tuple[str, str | None, str | None, str | None]]) -> str:
    """An RSS feed of (title, link, pubDate, description) entries."""
    items = "".join(
        "<item>"
        + f"<title>{title}</title>"
        + (f"<link>{link}</link>" if link else "")
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + (f"<description>{text}</description>" if text else "")
        + "<author>desk@wire.example (Desk Editor)</author></item>"
        for title, link, date, text in entries
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire Feed</title>{items}'
        "</channel></rss>"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(slow_seconds=2 * TIMEOUT, huge_bytes=16 * 1024) as running:
        running.add("/crossing", page(CROSSING, title="Crossing closed", date="2024-08-20"))
        running.add("/corridor", page(CORRIDOR, title="Corridor talks"))
        running.add("/plain", JUNCTION, "text/plain; charset=utf-8")
        running.add("/road", ROAD, "text/plain")
        running.add("/arabic", ARABIC.encode("cp1256"), "text/plain; charset=windows-1256")
        running.add("/sitemap.xml", "<urlset><url>x</url></urlset>", "application/xml")
        feed = rss(
            [
                (
                    "Crossing closed",
                    running.url("/crossing"),
                    "Tue, 20 Aug 2024 10:00:00 +0000",
                    None,
                ),
                ("Gone page", running.url("/gone"), "Wed, 21 Aug 2024 10:00:00 +0000", KEREM),
                ("Gone, no text", running.url("/gone-too"), None, None),
                ("No link", None, None, JUNCTION),
            ]
        )
        running.add("/feed.xml", feed, "application/rss+xml")
        running.add("/feed-as-html", feed, "text/html")
        atom = f"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom Desk</title><id>urn:desk</id><updated>2024-08-22T00:00:00Z</updated>
<entry><title>Corridor</title><id>urn:1</id><link href="/corridor"/>
<updated>2024-08-22T09:00:00+03:00</updated></entry>
<entry><title>Road</title><id>urn:2</id><link href="{running.url("/road")}"/>
<updated>2024-08-22T10:00:00Z</updated></entry></feed>"""
        running.add("/atom.xml", atom, "application/atom+xml")
        running.add("/empty-feed.xml", rss([]), "application/rss+xml")
        yield running


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as opened:
        yield opened


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    """A small extractor: four places in English and Arabic (the shipped one is slow to build)."""
    names = {
        "rafah-crossing": ("crossing", ["Rafah crossing", "معبر رفح"]),
        "philadelphi-corridor": ("corridor", ["Philadelphi Corridor", "محور فيلادلفيا"]),
        "netzarim-corridor": ("corridor", ["Netzarim Corridor", "Netzarim Junction"]),
        "kerem-shalom-crossing": ("crossing", ["Kerem Shalom crossing"]),
    }
    aliases = [
        Alias(location, "ar" if name[0] > "z" else "en", name)
        for location, (_, forms) in names.items()
        for name in forms
    ]
    return Extractor(aliases, {location: kind for location, (kind, _) in names.items()})


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(timeout=TIMEOUT, max_bytes=8 * 1024) as made:
        yield made


def by_label(report: BatchReport) -> dict[str, ItemRecord]:
    return {record.label: record for record in report.records}


def assert_counts_add_up(report: BatchReport) -> None:
    statuses = ("stored", "new-version", "duplicate", "failed")
    assert sum(report.count(status) for status in statuses) == len(report.records)
    assert len(report.failures) == report.count("failed")
    for line, record in zip(
        report.failures, [r for r in report.records if r.status == "failed"], strict=True
    ):
        assert line == f"{record.label}: {record.problem}"
        assert "\n" not in line


# --- files and folders --------------------------------------------------------------------------


MIXED_UTF8 = KEREM.encode() + b"\nCaf\xe9 owners said so.\n"
"""UTF-8 with one Latin-1 byte: not UTF-8, so refused rather than guessed at."""


def not_utf8(data: bytes) -> str:
    """The problem of bytes that are not UTF-8 and declare no charset."""
    offset = next(i for i, byte in enumerate(data) if byte >= 0x80)
    return (
        "not UTF-8, and no charset is declared: "
        f"invalid byte {data[offset : offset + 1]!r} at offset {offset}"
    )


def mixed_folder(root: Path) -> Path:
    """A desk's folder: good files of each kind, bad ones, a nested folder, files to skip."""
    folder = root / "desk"
    (folder / "nested" / "deeper").mkdir(parents=True)
    (folder / ".cache").mkdir()
    (folder / "wire.txt").write_text(CROSSING + "\nAA\nComments About This Article\n")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text("  \n\t\n")
    (folder / "photo.txt").write_bytes(PNG_BYTES)
    (folder / "arabic.txt").write_bytes(ARABIC.encode("cp1256"))
    (folder / "mixed.txt").write_bytes(MIXED_UTF8)
    (folder / "notes.md").write_text(f"# Corridor notes\n\n{CORRIDOR}\n")
    (folder / "nested" / "page.html").write_text(
        page(CROSSING + " Again.", title="Again", date="2024-08-21")
    )
    (folder / "nested" / "broken.htm").write_text(f"<div><p>{JUNCTION}<b>unclosed")
    (folder / "nested" / "deeper" / "scripts.html").write_text("<html><script>x=1</script></html>")
    (folder / "nested" / "style.css").write_text("body { color: red }")
    (folder / ".hidden.txt").write_text(CORRIDOR)
    (folder / ".cache" / "old.txt").write_text(CORRIDOR)
    return folder


def test_mixed_folder_goes_in_and_bad_files_fail_one_line_each(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    folder = mixed_folder(tmp_path)
    report = ingest_items(store, extractor, [str(folder)], source="Desk", published=USER_DAY)
    records = by_label(report)
    f = str(folder)
    assert report.failures == [
        f"{f}/arabic.txt: {not_utf8(ARABIC.encode('cp1256'))}",
        f"{f}/blank.md: file is empty",
        f"{f}/empty.txt: file is empty",
        f"{f}/mixed.txt: {not_utf8(MIXED_UTF8)}",
        f"{f}/photo.txt: file is a PNG image, not article text",
        f"{f}/nested/deeper/scripts.html: no article text found in the HTML page",
    ]
    assert report.summary() == "4 stored, 0 new versions, 0 duplicates, 6 failed"
    assert_counts_add_up(report)
    wire = records[f"{f}/wire.txt"]
    assert (wire.source, wire.published, wire.date_from) == ("AA", USER_DAY, "user")
    assert wire.mentions >= 1
    html = records[f"{f}/nested/page.html"]
    assert (html.title, html.source) == ("Again", "Example Wire")
    assert (html.published, html.date_from) == (dt.date(2024, 8, 21), "page")
    assert records[f"{f}/notes.md"].source == "Desk"
    assert records[f"{f}/notes.md"].title == "Corridor notes"
    stored = {article.text for article in store.articles()}
    assert not any(ARABIC in text or KEREM in text for text in stored)  # not UTF-8: refused
    assert not any("Share this article" in text for text in stored)


def test_rerunning_a_batch_stores_nothing_new(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    folder = mixed_folder(tmp_path)
    first = ingest_items(store, extractor, [str(folder)])
    revision, count = store.revision(), store.count_articles()
    again = ingest_items(store, extractor, [str(folder)])
    assert again.summary() == "0 stored, 0 new versions, 4 duplicates, 6 failed"
    assert again.failures == first.failures
    assert (store.revision(), store.count_articles()) == (revision, count)


def test_without_a_date_the_article_is_stored_undated_and_left_out_of_date_filters(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    path = tmp_path / "undated.txt"
    path.write_text(CORRIDOR)
    (record,) = ingest_items(store, extractor, [str(path)]).records
    assert (record.published, record.date_from, record.source) == (None, "undated", None)
    assert store.articles()[0].published is None
    assert store.location_stats()["first_mention"].tolist() == [None]
    assert store.location_stats(until=dt.date.today()).empty


def test_missing_items_and_unknown_files(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    unknown = tmp_path / "report.pdf"
    unknown.write_bytes(b"%PDF-1.7 not an article")
    feed_by_content = tmp_path / "feed"
    feed_by_content.write_text(rss([("No link", None, None, JUNCTION)]))
    report = ingest_items(
        store, extractor, [str(tmp_path / "nowhere.txt"), str(unknown), str(feed_by_content)]
    )
    assert report.failures[0] == f"{tmp_path}/nowhere.txt: no such file or folder"
    assert report.failures[1].startswith(f"{unknown}: unsupported file type '.pdf' (expected ")
    assert report.records[2].status == "stored"
    assert report.records[2].source == "Desk Editor"


def test_empty_folder_is_one_failure(tmp_path: Path, store: Store, extractor: Extractor) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "map.png").write_bytes(PNG_BYTES)
    report = ingest_items(store, extractor, [str(tmp_path / "images")])
    assert report.failures == [
        f"{tmp_path}/images: folder has no .atom, .htm, .html, .jsonl, .md, .ndjson, .rss, .txt, "
        ".xml files"
    ]


def test_paths_can_be_refused_for_items_typed_into_the_app(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    (tmp_path / "secret.txt").write_text(CROSSING)
    items = [str(tmp_path), str(tmp_path / "secret.txt"), "ftp://files.example/a.txt"]
    report = ingest_items(store, extractor, items, allow_paths=False)
    assert report.failures == [
        f"{tmp_path}: not a URL: expected http:// or https://",
        f"{tmp_path}/secret.txt: not a URL: expected http:// or https://",
        "ftp://files.example/a.txt: refused: URL scheme 'ftp' is not http or https",
    ]
    assert store.count_articles() == 0


def test_same_text_in_two_files_is_stored_once(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    (tmp_path / "a.txt").write_text(CROSSING)
    (tmp_path / "b.md").write_text(
        "\n  " + CROSSING.replace(" ", "  ") + "\n\nShare this article\n"
    )
    report = ingest_items(store, extractor, [str(tmp_path)])
    assert [r.status for r in report.records] == ["stored", "duplicate"]
    assert store.count_articles() == 1


# --- archives -----------------------------------------------------------------------------------


def archive_lines() -> list[str]:
    return [
        json.dumps(
            {
                "title": "Archived crossing",
                "text": CROSSING,
                "url": "https://wire.example/archived",
                "source": "Archive Wire",
                "published": "2024-08-19",
            }
        ),
        "{broken",
        "",
        json.dumps({"title": "No text"}),
        json.dumps({"text": CORRIDOR, "published": "19/08/2024"}),
        json.dumps({"text": KEREM + "\nAFP"}),
        json.dumps({"text": "   "}),
    ]


def test_archive_lines_go_in_and_bad_lines_fail_by_number(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(archive_lines()) + "\n")
    report = ingest_items(store, extractor, [str(dump)], published=USER_DAY)
    assert report.failures == [
        f"{dump}:2: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        f"{dump}:4: no 'text' field: each line needs the article text as a string",
        f"{dump}:5: published date '19/08/2024' is not YYYY-MM-DD",
        f"{dump}:7: article text is empty",
    ]
    first, sixth = by_label(report)[f"{dump}:1"], by_label(report)[f"{dump}:6"]
    assert (first.title, first.source, first.url) == (
        "Archived crossing",
        "Archive Wire",
        "https://wire.example/archived",
    )
    assert (first.published, first.date_from) == (dt.date(2024, 8, 19), "archive")
    assert (sixth.source, sixth.published, sixth.date_from) == ("AFP", USER_DAY, "user")
    assert_counts_add_up(report)


@pytest.mark.parametrize("batch_size", [3])
def test_two_extraction_processes_store_what_one_does(
    tmp_path: Path, db_url: str, extractor: Extractor, batch_size: int
) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(archive_lines()) + "\n")
    results = []
    for workers, name in ((1, "one"), (2, "two")):
        url = db_url if workers == 2 else f"sqlite:///{tmp_path / name}.db"
        with Store(url) as store:
            report = ingest_items(
                store, extractor, [str(dump)], published=USER_DAY, workers=workers,
                batch_size=batch_size,
            )  # fmt: skip
            mentions = store.mentions().drop(columns=["published"]).to_dict("records")
            results.append((report.records, mentions, store.location_stats().to_dict("records")))
    assert results[0] == results[1]
    lines = [int(r.label.rsplit(":", 1)[1]) for r in results[0][0]]
    assert lines == sorted(lines) and len(lines) == 6  # in order, failures in their place


def test_archive_total_is_known_up_front(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(archive_lines()))
    (tmp_path / "one.txt").write_text(JUNCTION)
    calls: list[tuple[int, int, str]] = []
    ingest_items(store, extractor, [str(tmp_path)], on_progress=lambda *c: calls.append(c))
    assert [done for done, _, _ in calls] == list(range(1, 8))
    assert {total for _, total, _ in calls} == {7}
    assert calls[-1][2] == f"{tmp_path}/one.txt"


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from([CROSSING, CORRIDOR, JUNCTION, KEREM, ARABIC, "", "{bad", "[]", "  "]),
        min_size=1,
        max_size=12,
    )
)
def test_archive_counts_always_add_up(
    tmp_path_factory: pytest.TempPathFactory, extractor: Extractor, lines: list[str]
) -> None:
    encoded = [
        json.dumps({"text": line})
        if line in (CROSSING, CORRIDOR, JUNCTION, KEREM, ARABIC)
        else line
        for line in lines
    ]
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'store.db'}"
    with Store(url) as store:
        report = ingest_upload(store, extractor, "dump.jsonl", "\n".join(encoded).encode())
        non_blank = [n for n, line in enumerate(encoded, start=1) if line.strip()]
        if not non_blank:
            assert report.failures == ["dump.jsonl: archive has no records"]
            return
        assert [r.label for r in report.records] == [f"dump.jsonl:{n}" for n in non_blank]
        assert_counts_add_up(report)
        assert store.count_articles() == report.count("stored")


# --- URLs and feeds -----------------------------------------------------------------------------


def test_page_url_gives_main_text_and_metadata(
    server: LocalServer, store: Store, extractor: Extractor, allow_private: None, fetcher: Fetcher
) -> None:
    url = server.url("/crossing")
    (record,) = ingest_items(store, extractor, [url], source="Desk", fetcher=fetcher).records
    assert (record.status, record.title, record.source, record.url) == (
        "stored",
        "Crossing closed",
        "Example Wire",
        url,
    )
    assert (record.published, record.date_from) == (dt.date(2024, 8, 20), "page")
    (article,) = store.articles()
    assert CROSSING in article.text
    assert "Home" not in article.text


def test_plain_text_urls_and_declared_charsets(
    server: LocalServer, store: Store, extractor: Extractor, allow_private: None, fetcher: Fetcher
) -> None:
    report = ingest_items(
        store, extractor, [server.url("/plain"), server.url("/arabic")], fetcher=fetcher
    )
    assert [r.status for r in report.records] == ["stored", "stored"]
    assert {a.text for a in store.articles()} == {JUNCTION, ARABIC}


def test_feed_file_entries_are_fetched_with_fallback_to_summary(
    tmp_path: Path,
    server: LocalServer,
    store: Store,
    extractor: Extractor,
    allow_private: None,
    fetcher: Fetcher,
) -> None:
    feed = tmp_path / "wire.rss"
    feed.write_bytes(server.routes["/feed.xml"].body)
    calls: list[tuple[int, int, str]] = []
    report = ingest_items(
        store, extractor, [str(feed)], fetcher=fetcher, on_progress=lambda *c: calls.append(c)
    )
    crossing, gone, gone_too, no_link = report.records
    assert crossing.status == "stored"
    assert (crossing.title, crossing.source) == ("Crossing closed", "Desk Editor")  # byline
    assert (crossing.published, crossing.date_from) == (dt.date(2024, 8, 20), "feed")
    assert gone.status == "stored"
    assert gone.note == "page failed (HTTP 404 Not Found); stored the feed's summary"
    assert (gone.source, gone.url) == ("Desk Editor", server.url("/gone"))
    assert gone_too.status == "failed"
    assert report.failures == [
        f"{feed} entry 3 ({server.url('/gone-too')}): page failed (HTTP 404 Not Found) and the "
        "entry has no summary"
    ]
    assert (no_link.status, no_link.label) == ("stored", f"{feed} entry 4")
    assert [(done, total) for done, total, _ in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_feed_url_rerun_is_all_duplicates(
    server: LocalServer, store: Store, extractor: Extractor, allow_private: None, fetcher: Fetcher
) -> None:
    items = [server.url("/feed.xml"), server.url("/atom.xml")]
    first = ingest_items(store, extractor, items, fetcher=fetcher)
    assert first.summary() == "5 stored, 0 new versions, 0 duplicates, 1 failed"
    atom_corridor = first.records[4]
    assert atom_corridor.url == server.url("/corridor")  # relative link, resolved on the feed URL
    assert (atom_corridor.published, atom_corridor.date_from) == (dt.date(2024, 8, 22), "feed")
    assert atom_corridor.source == "Example Wire"
    assert first.records[5].source == "Atom Desk"  # plain-text page: the feed is the publisher
    revision = store.revision()
    again = ingest_items(store, extractor, items, fetcher=fetcher)
    assert again.summary() == "0 stored, 0 new versions, 5 duplicates, 1 failed"
    assert store.revision() == revision


def test_feed_served_as_html_is_still_a_feed(
    server: LocalServer, store: Store, extractor: Extractor, allow_private: None, fetcher: Fetcher
) -> None:
    report = ingest_items(store, extractor, [server.url("/feed-as-html")], fetcher=fetcher)
    assert len(report.records) == 4


def test_changed_page_at_the_same_url_is_a_new_version(
    server: LocalServer, store: Store, extractor: Extractor, allow_private: None, fetcher: Fetcher
) -> None:
    url = server.add("/changing", page(CROSSING, title="First"))
    assert ingest_items(store, extractor, [url], fetcher=fetcher).records[0].status == "stored"
    server.add("/changing", page(CROSSING + " It reopened later.", title="Second"))
    second = ingest_items(store, extractor, [url], fetcher=fetcher)
    assert second.records[0].status == "new-version"
    assert ingest_items(store, extractor, [url], fetcher=fetcher).records[0].status == "duplicate"
    (latest,) = store.articles()
    assert (latest.title, latest.url) == ("Second", url)
    assert set(store.mentions()["article_id"]) == {latest.id}


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/slow", f"timed out after {TIMEOUT:g} s"),
        ("/missing", "HTTP 404 Not Found"),
        ("/image.png", "content type 'image/png' is not an article or feed"),
        ("/huge", "larger than 8,192 bytes"),
        ("/broken-feed.xml", "broken feed: "),
        ("/empty-feed.xml", "feed has no entries"),
        ("/sitemap.xml", "'application/xml' document is not an RSS or Atom feed"),
        ("/to-ftp", "redirect to 'ftp://files.example/article.txt': refused: URL scheme 'ftp'"),
    ],
)
def test_bad_urls_fail_one_line_each_and_store_nothing(
    server: LocalServer,
    store: Store,
    extractor: Extractor,
    allow_private: None,
    fetcher: Fetcher,
    path: str,
    problem: str,
) -> None:
    revision = store.revision()
    good = server.url("/plain")
    report = ingest_items(store, extractor, [server.url(path), good], fetcher=fetcher)
    (line,) = report.failures
    assert line.startswith(f"{server.url(path)}: {problem}")
    assert report.records[-1].status == "stored"
    assert store.count_articles() == 1
    assert store.revision() != revision


def test_local_urls_are_refused_without_the_setting(
    server: LocalServer, store: Store, extractor: Extractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    before = server.count("/crossing")
    report = ingest_items(store, extractor, [server.url("/crossing")])
    assert report.failures == [
        f"{server.url('/crossing')}: refused: resolves to loopback address 127.0.0.1"
    ]
    assert server.count("/crossing") == before


def test_redirect_to_a_private_address_is_refused(
    server: LocalServer, store: Store, extractor: Extractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    with Fetcher(timeout=TIMEOUT, trusted_networks=["127.0.0.1/32"]) as trusted:
        report = ingest_items(store, extractor, [server.url("/to-private")], fetcher=trusted)
    assert report.failures == [
        f"{server.url('/to-private')}: refused: redirect to 'http://10.0.0.1/internal' resolves "
        "to private address 10.0.0.1"
    ]


# --- store and database errors ------------------------------------------------------------------


class _BadOffsets:
    """An extractor that returns a mention whose offsets miss, for texts saying "Netzarim".

    It wraps the real one (a compiled Extractor cannot be subclassed in Python).
    """

    def __init__(self, inner: Extractor) -> None:
        self._inner = inner

    def extract(self, text: str, *, end: int | None = None) -> list[Mention]:
        found = self._inner.extract(text)
        if "Netzarim" in text:
            found.append(Mention("netzarim", "Netzarim", 0, 8, "explicit", text, None))
        return found


class _FlakyStore(Store):
    """A store whose database fails on articles mentioning Kerem Shalom."""

    def ingest_many(self, batch):  # type: ignore[no-untyped-def]
        if any("Kerem Shalom" in article.text for article, _, _ in batch):
            error = RuntimeError("disk I/O error\nwith detail on a second line")
            raise sa.exc.OperationalError("INSERT INTO articles ...", {}, error)
        return super().ingest_many(batch)


def test_store_value_errors_and_database_errors_are_failure_lines(
    tmp_path: Path, db_url: str, extractor: Extractor
) -> None:
    for name, text in [
        ("1.txt", CROSSING),
        ("2.txt", JUNCTION),
        ("3.txt", KEREM),
        ("4.txt", CORRIDOR),
    ]:
        (tmp_path / name).write_text(text)
    with _FlakyStore(db_url) as store:
        report = ingest_items(store, _BadOffsets(extractor), [str(tmp_path)])
        bad_offsets, database = report.failures
        assert bad_offsets.startswith(
            f"{tmp_path}/2.txt: not stored: mention 'Netzarim' at 0:8 does not match article"
        )
        assert database == f"{tmp_path}/3.txt: database error: RuntimeError: disk I/O error"
        assert report.summary() == "2 stored, 0 new versions, 0 duplicates, 2 failed"
        assert store.count_articles() == 2


# --- uploads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "status", "problem"),
    [
        ("story.txt", CROSSING.encode(), "stored", None),
        ("story.md", f"# Notes\n\n{CORRIDOR}".encode(), "stored", None),
        ("page.html", page(JUNCTION, title="J", date="2024-08-02").encode(), "stored", None),
        ("saved-page", page(KEREM, title="K").encode(), "stored", None),
        ("arabic.txt", ARABIC.encode("cp1256"), "failed", "not UTF-8, and no charset"),
        ("empty.txt", b"", "failed", "file is empty"),
        ("photo.txt", PNG_BYTES, "failed", "file is a PNG image, not article text"),
        ("photo.png", PNG_BYTES, "failed", "unsupported file type '.png'"),
        ("big.txt", b"a" * (5 * 1024 * 1024 + 1), "failed", "over the 5,242,880-byte limit"),
        ("feed.xml", b"<rss version='2.0'><channel><title>Cut", "failed", "broken feed"),
        ("dump.jsonl", b"\n\n", "failed", "archive has no records"),
    ],
)
def test_uploads_by_name_and_content(
    store: Store,
    extractor: Extractor,
    name: str,
    data: bytes,
    status: str,
    problem: str | None,
) -> None:
    report = ingest_upload(store, extractor, name, data, published=USER_DAY)
    (record,) = report.records
    assert record.status == status
    assert record.label == name
    if problem:
        assert problem in (record.problem or "")
        assert store.count_articles() == 0
    else:
        assert record.date_from in {"page", "user"}


def test_uploaded_archive_and_feed(store: Store, extractor: Extractor) -> None:
    dump = "\n".join(archive_lines()).encode()
    report = ingest_upload(store, extractor, "dump.jsonl", dump)
    assert report.summary() == "2 stored, 0 new versions, 0 duplicates, 4 failed"
    feed = rss([("No link", None, "Thu, 22 Aug 2024 08:00:00 +0000", JUNCTION)]).encode()
    (entry,) = ingest_upload(store, extractor, "wire-feed", feed).records
    assert (entry.status, entry.published, entry.date_from) == (
        "stored",
        dt.date(2024, 8, 22),
        "feed",
    )
    assert entry.title == "No link"


# --- the command line ---------------------------------------------------------------------------


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GEO_DB_URL": f"sqlite:///{db}", ALLOW_PRIVATE_ENV: "1"}
    return subprocess.run(
        [sys.executable, "-m", "geo", "ingest", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_ingests_a_mixed_batch_and_a_rerun_stores_nothing_new(
    tmp_path: Path, server: LocalServer
) -> None:
    folder = mixed_folder(tmp_path)
    feed = tmp_path / "wire.xml"
    feed.write_bytes(server.routes["/feed.xml"].body)
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(archive_lines()))
    items = [str(folder), str(feed), server.url("/corridor"), str(dump), server.url("/image.png")]
    db = tmp_path / "cli.db"

    # Two texts arrive twice: the archive's crossing story is wire.txt without its "AA" tag, and
    # its AFP story is the summary the feed's "Gone page" entry fell back to.
    first = run_cli(*items, "--source", "Desk", "--published", "2024-09-01", db=db)
    errors = first.stderr.strip().splitlines()
    assert first.returncode == 1, first.stderr
    assert errors == [
        f"error: {folder}/arabic.txt: {not_utf8(ARABIC.encode('cp1256'))}",
        f"error: {folder}/blank.md: file is empty",
        f"error: {folder}/empty.txt: file is empty",
        f"error: {folder}/mixed.txt: {not_utf8(MIXED_UTF8)}",
        f"error: {folder}/photo.txt: file is a PNG image, not article text",
        f"error: {folder}/nested/deeper/scripts.html: no article text found in the HTML page",
        f"error: {feed} entry 3 ({server.url('/gone-too')}): page failed (HTTP 404 Not Found) "
        "and the entry has no summary",
        f"error: {dump}:2: invalid JSON: Expecting property name enclosed in double quotes at "
        "column 2",
        f"error: {dump}:4: no 'text' field: each line needs the article text as a string",
        f"error: {dump}:5: published date '19/08/2024' is not YYYY-MM-DD",
        f"error: {dump}:7: article text is empty",
        f"error: {server.url('/image.png')}: content type 'image/png' is not an article or feed",
    ]
    assert first.stdout.strip() == "8 stored, 0 new versions, 2 duplicates, 12 failed"

    again = run_cli(*items, db=db)
    assert again.returncode == 1
    assert again.stderr == first.stderr
    assert again.stdout.strip() == "0 stored, 0 new versions, 10 duplicates, 12 failed"


def test_feed_summary_never_replaces_full_text_stored_at_its_url(
    tmp_path: Path,
    server: LocalServer,
    store: Store,
    extractor: Extractor,
    allow_private: None,
    fetcher: Fetcher,
) -> None:
    page = (
        "<html><body><article><h1>Gate</h1><p>The Rafah crossing stayed shut on Monday, "
        "officials said, and trucks waited in long lines at the gate.</p>"
        "<p>More trucks were turned back in the evening.</p></article></body></html>"
    )
    server.add("/flaky", page)
    feed = tmp_path / "flaky.rss"
    feed.write_text(
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Desk</title><item>"
        f"<title>Gate</title><link>{server.url('/flaky')}</link>"
        "<description>Short summary: the Rafah crossing was shut.</description>"
        "</item></channel></rss>",
        encoding="utf-8",
    )
    first = ingest_items(store, extractor, [str(feed)], fetcher=fetcher)
    assert [r.status for r in first.records] == ["stored"]
    server.add("/flaky", "", status=503)
    again = ingest_items(store, extractor, [str(feed)], fetcher=fetcher)
    (kept,) = again.records
    assert kept.status == "duplicate" and "kept the text already stored" in (kept.note or "")
    (article,) = store.articles()
    assert "trucks waited" in article.text


def test_an_article_in_a_language_without_names_is_stored_with_a_note(
    tmp_path: Path, store: Store, extractor: Extractor
) -> None:
    path = tmp_path / "refah.txt"
    path.write_text(
        "İsrail ordusu Refah Sınır Kapısı'nı kapattı ve Mısır ise buna itiraz etti, "
        "görüşmeler daha sonra sürecek."
    )
    (record,) = ingest_items(store, extractor, [str(path)]).records
    assert (record.status, record.mentions) == ("stored", 0)
    assert record.note is not None and "no names in 'tr'" in record.note


def test_cli_says_when_an_article_has_no_names_in_its_language(
    tmp_path: Path,
    extractor: Extractor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The shipped places have names in every language told apart, so the command runs here
    with the small English and Arabic extractor."""
    import geo.cli.services
    from geo.cli.main import main

    path = tmp_path / "ciudad.txt"
    path.write_text("La ciudad de Rafah sigue sin luz, dijo Egipto el jueves según "
                    "fuentes del gobierno.")  # fmt: skip
    monkeypatch.setenv("GEO_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr(geo.cli.services, "extractor", lambda: extractor)
    assert main(["ingest", str(path), "--workers", "1"]) == 0
    assert capsys.readouterr().err.startswith(
        f"note: {path}: stored without mentions: the places have no names in 'es' yet"
    )


def test_cli_ingests_a_spanish_article_with_its_places(tmp_path: Path) -> None:
    path = tmp_path / "paso.txt"
    path.write_text("El paso fronterizo de Rafah sigue cerrado, dijo Egipto el jueves según "
                    "fuentes del gobierno.")  # fmt: skip
    done = run_cli(str(path), db=tmp_path / "cli.db")
    assert done.returncode == 0, done.stderr
    assert "no names in" not in done.stderr
    assert done.stdout.strip().endswith("1 stored, 0 new versions, 0 duplicates, 0 failed")
