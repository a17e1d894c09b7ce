"""Feeds: RSS and Atom entries, dates in the feed's own zone, bylines, broken and non-feeds."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.ingest.feeds import FeedError, looks_like_feed, parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<?xml-stylesheet type="text/xsl" href="feed.xsl"?>
<!-- desk feed -->
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Example Wire</title>
  <link>https://wire.example/</link>
  <item>
    <title>Crossing reopens</title>
    <link>https://wire.example/crossing</link>
    <pubDate>Fri, 23 Aug 2024 01:30:00 +0300</pubDate>
    <dc:creator>Jane Reporter</dc:creator>
    <description>&lt;p&gt;The &lt;b&gt;Rafah crossing&lt;/b&gt; reopened.&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>The Rafah crossing reopened on Friday, officials said.</p>
      <p>Aid trucks waited at Kerem Shalom.</p>]]></content:encoded>
  </item>
  <item>
    <title>Relative link</title>
    <link>/relative</link>
    <author>desk@wire.example (Desk Editor)</author>
    <description>Short text.</description>
  </item>
  <item>
    <title>No date, no text</title>
    <link>https://wire.example/bare</link>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom Desk</title>
  <id>urn:example:desk</id>
  <updated>2024-08-23T12:00:00Z</updated>
  <entry>
    <title>Corridor talks</title>
    <id>urn:example:1</id>
    <link rel="alternate" href="https://atom.example/corridor"/>
    <updated>2024-08-24T00:30:00+02:00</updated>
    <author><name>Sami Writer</name></author>
    <summary type="html">&lt;p&gt;Talks on the Philadelphi Corridor.&lt;/p&gt;</summary>
  </entry>
  <entry>
    <title>Hebrew entry</title>
    <id>urn:example:2</id>
    <published>2024-08-22T23:00:00Z</published>
    <content type="text">ציר פילדלפי</content>
  </entry>
</feed>
""".encode()


def test_rss_entries_with_links_dates_bylines_and_fullest_text() -> None:
    feed = parse_feed(RSS, url="https://wire.example/feed.xml")
    assert feed.title == "Example Wire"
    first, second, third = feed.entries
    assert (first.title, first.link) == ("Crossing reopens", "https://wire.example/crossing")
    assert first.published == dt.date(2024, 8, 23)  # the feed's day, not UTC's 22nd
    assert first.author == "Jane Reporter"
    assert first.content is not None and "Kerem Shalom" in first.content
    assert second.link == "https://wire.example/relative"
    assert second.author == "Desk Editor"
    assert second.content == "Short text."
    assert (third.published, third.content, third.author) == (None, None, None)


def test_relative_links_without_a_base_are_dropped() -> None:
    assert parse_feed(RSS).entries[1].link is None


def test_atom_entries() -> None:
    feed = parse_feed(ATOM)
    assert feed.title == "Atom Desk"
    corridor, hebrew = feed.entries
    assert corridor.link == "https://atom.example/corridor"
    assert corridor.published == dt.date(2024, 8, 24)
    assert corridor.author == "Sami Writer"
    assert corridor.content is not None and "Philadelphi Corridor" in corridor.content
    assert hebrew.link is None
    assert hebrew.published == dt.date(2024, 8, 22)
    assert hebrew.content == "ציר פילדלפי"


def test_feed_with_recoverable_faults_keeps_its_entries() -> None:
    data = b"""<rss version="2.0"><channel><title>T</title>
      <item><title>Fine</title><link>https://x.example/a</link><description>ok</description></item>
      <item><title>Cut</title></channel></rss>"""
    feed = parse_feed(data)
    assert [entry.title for entry in feed.entries][:1] == ["Fine"]


def test_empty_but_valid_feed_has_no_entries() -> None:
    feed = parse_feed(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    assert (feed.title, feed.entries) == ("Quiet", ())


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut', "broken feed"),
        (b"<feed><entry><title>unclosed", "broken feed"),
        (b"<html><body><p>A page</p></body></html>", "not an RSS or Atom feed"),
        (b"just some words", "not an RSS or Atom feed"),
        (b"", "not an RSS or Atom feed"),
    ],
    ids=["truncated-rss", "truncated-atom", "html", "text", "empty"],
)
def test_broken_and_non_feeds_are_refused(data: bytes, problem: str) -> None:
    with pytest.raises(FeedError, match=problem):
        parse_feed(data)


@pytest.mark.parametrize(
    ("data", "is_feed"),
    [
        (RSS, True),
        (ATOM, True),
        (b"\xef\xbb\xbf<rss version='2.0'/>", True),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', True),
        (b"<!DOCTYPE rss [<!ENTITY x 'y'>]>\n<rss/>", True),
        ('<?xml version="1.0" encoding="utf-16"?><feed/>'.encode("utf-16"), True),
        (b"<!doctype html><html><body>rss</body></html>", False),
        (b"<feedback>no</feedback>", False),
        (b"plain text about an rss feed", False),
    ],
)
def test_looks_like_feed(data: bytes, is_feed: bool) -> None:
    assert looks_like_feed(data) is is_feed
