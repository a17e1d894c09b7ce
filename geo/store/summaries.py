"""Keep the per-day count tables in step with articles, mentions and reviews.

Every write computes what the articles it touches add to (or take from) ``mention_days``,
``speaker_days`` and ``place_days`` as a :class:`Counts`, and applies it in the same
transaction: a new article adds its counts, a superseded version takes its own away, a
rejected mention takes itself away. Writers are serialised (see ``geo.store.database``), so an
update-or-insert per key needs no unique constraint.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from geo.store.schema import (
    article_places_table,
    articles_table,
    mention_days_table,
    mentions_table,
    place_days_table,
    speaker_days_table,
)

DayKey = tuple[str, dt.date | None, str | None]
"""(location_id, day, source)"""
SpeakerKey = tuple[str, dt.date | None, str | None, str | None]
"""(location_id, day, source, speaker)"""
PlaceKey = tuple[int, str, float, float, dt.date | None, str | None]
"""(geonameid, name, lat, lon, day, source)"""
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
    places: dict[PlaceKey, list[int]] = field(default_factory=dict)
    """mentions, articles"""

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
        located: set[str] = set()
        for location_id, kind, speaker in mentions:
            row = self.days.setdefault((location_id, day, source), [0, 0, 0, 0])
            row[0] += sign
            row[1 if kind == "explicit" else 2] += sign
            if location_id not in located:
                located.add(location_id)
                row[3] += sign
            self.speakers[(location_id, day, source, speaker)] += sign
        for geonameid, name, lat, lon, count in places:
            place = self.places.setdefault((geonameid, name, lat, lon, day, source), [0, 0])
            place[0] += sign * count
            place[1] += sign

    def apply(self, conn: Connection) -> None:
        """Write the changes: update each key's row, insert it when new, drop emptied rows."""
        day_columns = ("mentions", "explicit", "anaphoric", "articles")
        _apply(conn, mention_days_table, ("location_id", "day", "source"), day_columns, self.days)
        speakers = {key: [n] for key, n in self.speakers.items()}
        speaker_keys = ("location_id", "day", "source", "speaker")
        _apply(conn, speaker_days_table, speaker_keys, ("mentions",), speakers)
        place_keys = ("geonameid", "name", "lat", "lon", "day", "source")
        _apply(conn, place_days_table, place_keys, ("mentions", "articles"), self.places)


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


def _apply(
    conn: Connection,
    table: sa.Table,
    key_columns: Sequence[str],
    value_columns: Sequence[str],
    changes: dict[Any, list[int]],
) -> None:
    """Add each key's numbers to its row (inserting new keys), then drop rows that reach 0."""
    emptied = False
    for key, values in changes.items():
        if not any(values):
            continue
        where = [
            _equals(table.c[column], value) for column, value in zip(key_columns, key, strict=True)
        ]
        update = (
            sa.update(table)
            .where(*where)
            .values({c: table.c[c] + v for c, v in zip(value_columns, values, strict=True)})
        )
        if conn.execute(update).rowcount == 0:
            if values[0] < 0:
                raise RuntimeError(f"{table.name} has no row for {key!r} to take {values!r} from")
            row = dict(zip(key_columns, key, strict=True))
            row.update(zip(value_columns, values, strict=True))
            conn.execute(sa.insert(table).values(row))
        emptied = emptied or values[0] < 0
    if emptied:
        conn.execute(sa.delete(table).where(table.c[value_columns[0]] <= 0))


def _equals(column: sa.ColumnElement[Any], value: Any) -> sa.ColumnElement[bool]:
    """``column = value``, or ``column IS NULL`` (both use the key's index)."""
    return column.is_(None) if value is None else column == value
