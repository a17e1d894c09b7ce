"""Keep the per-day count tables in step with articles, mentions and reviews.

Every write computes what the articles it touches add to (or take from) ``mention_days``,
``speaker_days`` and ``place_days`` as a :class:`Counts`, and applies it in the same
transaction: a new article adds its counts, a superseded version takes its own away, a
rejected mention takes itself away. Each table is written with one upsert statement per
transaction (``INSERT ... ON CONFLICT DO UPDATE`` on its unique key, SQLite and PostgreSQL
alike); rows that reach zero are deleted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from geo.store.bulk import upsert_sums
from geo.store.schema import (
    NO_NAME,
    UNDATED,
    article_days_table,
    article_places_table,
    articles_table,
    mention_days_table,
    mentions_table,
    place_days_table,
    speaker_days_table,
)

DayKey = tuple[str, dt.date, str]
"""(location_id, day, source); UNDATED and NO_NAME stand in for None"""
SpeakerKey = tuple[str, dt.date, str, str]
"""(location_id, day, source, speaker)"""
PlaceKey = tuple[int, dt.date, str]
"""(geonameid, day, source)"""
MentionFacts = tuple[str, str, str | None]
"""(location_id, kind, speaker) of one counted mention"""
PlaceFacts = tuple[int, str, float, float, int]
"""(geonameid, name, lat, lon, mentions) of one place named in an article"""


@dataclass
class Counts:
    """Changes to the count tables: per key, numbers to add (negative to take away)."""

    days: dict[DayKey, list[int]] = field(default_factory=dict)
    """mentions, explicit, anaphoric, articles"""
    speakers: Counter[SpeakerKey] = field(default_factory=Counter)
    places: dict[PlaceKey, list[Any]] = field(default_factory=dict)
    """name, lat, lon, mentions, articles"""
    articles: Counter[tuple[dt.date, str]] = field(default_factory=Counter)
    """(day, source) → articles with at least one counted mention"""

    def add_article(
        self,
        day: dt.date | None,
        source: str | None,
        mentions: Iterable[MentionFacts],
        places: Iterable[PlaceFacts] = (),
        *,
        sign: int = 1,
    ) -> None:
        """Add (``sign`` 1) or take away (-1) what one article counts."""
        day, source = day or UNDATED, source or NO_NAME
        mentions = list(mentions)
        if mentions:
            self.articles[(day, source)] += sign
        located: set[str] = set()
        for location_id, kind, speaker in mentions:
            row = self.days.setdefault((location_id, day, source), [0, 0, 0, 0])
            row[0] += sign
            row[2 if kind == "anaphoric" else 1] += sign  # names: explicit and bare
            if location_id not in located:
                located.add(location_id)
                row[3] += sign
            self.speakers[(location_id, day, source, speaker or NO_NAME)] += sign
        for geonameid, name, lat, lon, count in places:
            place = self.places.setdefault((geonameid, day, source), [name, lat, lon, 0, 0])
            place[3] += sign * count
            place[4] += sign

    def apply(self, conn: Connection) -> None:
        """Write the changes: one upsert per table, then drop the rows that reached zero."""
        _upsert(
            conn,
            mention_days_table,
            [
                {"location_id": loc, "day": day, "source": source, "mentions": n,
                 "explicit": explicit, "anaphoric": anaphoric, "articles": articles}
                for (loc, day, source), (n, explicit, anaphoric, articles) in self.days.items()
                if n or articles
            ],
        )  # fmt: skip
        _upsert(
            conn,
            speaker_days_table,
            [
                {"location_id": loc, "day": day, "source": source, "speaker": speaker,
                 "mentions": n}
                for (loc, day, source, speaker), n in self.speakers.items()
                if n
            ],
        )  # fmt: skip
        _upsert(
            conn,
            article_days_table,
            [
                {"day": day, "source": source, "articles": n}
                for (day, source), n in self.articles.items()
                if n
            ],
        )
        _upsert(
            conn,
            place_days_table,
            [
                {"geonameid": geonameid, "day": day, "source": source, "name": name, "lat": lat,
                 "lon": lon, "mentions": n, "articles": articles}
                for (geonameid, day, source), (name, lat, lon, n, articles) in self.places.items()
                if n or articles
            ],
        )  # fmt: skip


def stored_counts(conn: Connection, article_ids: Sequence[str], *, sign: int = -1) -> Counts:
    """Return what stored articles count now (by default negated, to take them away)."""
    counts = Counts()
    if not article_ids:
        return counts
    m = mentions_table.c
    rows = conn.execute(
        sa.select(m.article_id, m.published, m.source, m.location_id, m.kind, m.speaker).where(
            m.article_id.in_(article_ids), m.latest, sa.not_(m.rejected)
        )
    ).all()
    by_article: dict[str, tuple[Any, Any, list[MentionFacts]]] = {}
    for article_id, published, source, location_id, kind, speaker in rows:
        entry = by_article.setdefault(article_id, (published, source, []))
        entry[2].append((location_id, kind, speaker))
    for published, source, facts in by_article.values():
        counts.add_article(published, source, facts, sign=sign)
    p, a = article_places_table.c, articles_table.c
    place_rows = conn.execute(
        sa.select(a.published, a.source, p.geonameid, p.name, p.lat, p.lon, p.mentions)
        .join_from(article_places_table, articles_table, p.article_id == a.id)
        .where(p.article_id.in_(article_ids))
    ).all()
    for published, source, *place in place_rows:
        counts.add_article(published, source, (), [tuple(place)], sign=sign)
    return counts


KEYS = {
    "mention_days": ("location_id", "day", "source"),
    "speaker_days": ("location_id", "day", "source", "speaker"),
    "place_days": ("geonameid", "day", "source"),
    "article_days": ("day", "source"),
}
ADDED = {
    "mention_days": ("mentions", "explicit", "anaphoric", "articles"),
    "speaker_days": ("mentions",),
    "place_days": ("mentions", "articles"),
    "article_days": ("articles",),
}


def _upsert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Add each row's numbers to the row of its key (inserting new keys); drop emptied rows."""
    if not rows:
        return
    added = ADDED[table.name]
    upsert_sums(conn, table, rows, keys=KEYS[table.name], added=added)
    if any(row[added[0]] < 0 for row in rows):
        conn.execute(sa.delete(table).where(table.c[added[0]] <= 0))
