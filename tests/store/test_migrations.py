"""Schema migrations on SQLite and PostgreSQL: upgrading keeps data, downgrading and back works."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError

from geo.desk.accounts import Accounts, User
from geo.desk.reviews import Reviews
from geo.store.config import normalise_url
from geo.store.database import ALEMBIC_INI, Store, articles_table, mentions_table, state_table

NEW_TABLES = {
    "users",
    "sign_in_attempts",
    "mention_reviews",
    "mention_days",
    "speaker_days",
    "article_places",
    "place_days",
    "sign_in_sessions",
    "sign_in_devices",
    "audit_log",
}
TEXT = "Egypt kept the Rafah crossing shut; the Philadelphi Corridor stayed in the talks."
ARTICLES = [
    {
        "id": "a1",
        "url": "https://news.example/one",
        "title": "One",
        "source": "AFP",
        "published": dt.date(2024, 8, 20),
        "lang": "en",
        "text": TEXT,
        "text_hash": "0" * 64,
        "version": 1,
        "superseded_by": None,
        "ingested_at": dt.datetime(2024, 8, 20, 12, tzinfo=dt.UTC),
    },
    {
        "id": "a2",
        "url": None,
        "title": "Two",
        "source": None,
        "published": None,
        "lang": None,
        "text": TEXT + " Again.",
        "text_hash": "1" * 64,
        "version": 1,
        "superseded_by": None,
        "ingested_at": dt.datetime(2024, 8, 21, 9, tzinfo=dt.UTC),
    },
]
RAFAH = (TEXT.index("Rafah crossing"), TEXT.index("Rafah crossing") + len("Rafah crossing"))
MENTIONS = [
    {
        "article_id": article_id,
        "location_id": location_id,
        "surface": surface,
        "start": TEXT.index(surface),
        "end": TEXT.index(surface) + len(surface),
        "kind": "explicit",
        "sentence": TEXT,
        "speaker": speaker,
    }
    for article_id in ("a1", "a2")
    for location_id, surface, speaker in (
        ("rafah-crossing", "Rafah crossing", None),
        ("philadelphi-corridor", "Philadelphi Corridor", "Egypt"),
    )
]


def migrate(url: str, action: str, revision: str) -> None:
    """Run ``alembic upgrade|downgrade REVISION`` on the database at ``url``."""
    config = Config(str(ALEMBIC_INI))
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            getattr(command, action)(config, revision)
    finally:
        engine.dispose()


class Snapshot(NamedTuple):
    rows: dict[str, list[tuple[object, ...]]]
    revision: str | None
    tables: set[str]


def snapshot(url: str) -> Snapshot:
    """Every row of the 0001 tables, and the schema revision and table names."""
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            rows = {
                table.name: sorted(tuple(row) for row in conn.execute(_revision_1_columns(table)))
                for table in (articles_table, mentions_table, state_table)
            }
            revision = MigrationContext.configure(conn).get_current_revision()
            tables = set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()
    return Snapshot(rows, revision, tables)


def _revision_1_columns(table: sa.Table) -> sa.Select[tuple[object, ...]]:
    """Select the columns revision 0001 made (later revisions add some)."""
    added = {"places_scanned", "published", "source", "latest", "rejected", "confidence"}
    if table is not mentions_table:
        added = {"places_scanned", "counted_mentions", "title_derived"}
    return sa.select(*(column for column in table.c if column.name not in added))


@pytest.fixture
def old_database(db_url: str) -> str:
    """A database made by revision 0001 holding two articles and four mentions."""
    migrate(db_url, "upgrade", "0001")
    engine = sa.create_engine(normalise_url(db_url))
    with engine.begin() as conn:
        conn.execute(sa.insert(articles_table), ARTICLES)
        conn.execute(sa.insert(mentions_table), MENTIONS)
        conn.execute(sa.update(state_table).values(writes=2))
    engine.dispose()
    return db_url


def test_head_is_0008() -> None:
    assert ScriptDirectory.from_config(Config(str(ALEMBIC_INI))).get_current_head() == "0008"


def test_opening_an_old_database_upgrades_it_and_keeps_every_row(old_database: str) -> None:
    before = snapshot(old_database)
    assert before.revision == "0001"
    assert not NEW_TABLES & before.tables

    with Store(old_database) as store:
        assert store.count_articles() == 2
        assert len(store.mentions()) == 4

    after = snapshot(old_database)
    assert after.revision == "0008"
    assert after.tables >= NEW_TABLES
    assert after.rows == before.rows


def test_downgrade_to_0001_and_upgrade_again_keeps_articles(old_database: str) -> None:
    with Store(old_database) as store:
        Accounts(store).add("desk@news.example", "correct horse battery", "editor")
        Reviews(store).review(
            User("desk@news.example", "editor"), "a1", "rafah-crossing", *RAFAH, "confirmed"
        )
    rows = snapshot(old_database).rows

    migrate(old_database, "downgrade", "0001")
    down = snapshot(old_database)
    assert down.revision == "0001"
    assert not NEW_TABLES & down.tables
    assert down.rows == rows

    with Store(old_database) as store:  # upgrades again, to empty new tables
        assert Accounts(store).list() == []
        assert Reviews(store).reviews_for(None).empty
        assert len(store.mentions()) == 4
    assert snapshot(old_database).rows == rows


def test_one_review_per_mention_is_enforced_by_the_schema(old_database: str) -> None:
    row = {
        "article_id": "a1",
        "location_id": "rafah-crossing",
        "start": RAFAH[0],
        "end": RAFAH[1],
        "status": "confirmed",
        "reviewer": "desk@news.example",
        "reviewed_at": dt.datetime(2024, 9, 1, tzinfo=dt.UTC),
        "note": None,
    }
    with Store(old_database) as store, store.engine.connect() as conn:
        table = sa.Table("mention_reviews", sa.MetaData(), autoload_with=conn)
        conn.execute(sa.insert(table).values(**row))
        with pytest.raises(IntegrityError):
            conn.execute(sa.insert(table).values(**row))
        conn.rollback()
        with pytest.raises(IntegrityError):
            conn.execute(sa.insert(table).values(**{**row, "status": "maybe"}))


def test_role_outside_the_three_is_refused_by_the_schema(db_url: str) -> None:
    row = {
        "email": "x@news.example",
        "password_hash": "$argon2id$…",
        "role": "owner",
        "created_at": dt.datetime(2024, 9, 1, tzinfo=dt.UTC),
        "disabled": False,
    }
    with Store(db_url) as store, store.engine.connect() as conn:
        table = sa.Table("users", sa.MetaData(), autoload_with=conn)
        with pytest.raises(IntegrityError):
            conn.execute(sa.insert(table).values(**row))


def test_0006_keeps_old_mentions_sure_and_allows_bare_names_only_as_a_kind(
    old_database: str,
) -> None:
    Store(old_database).close()
    engine = sa.create_engine(normalise_url(old_database))
    m = mentions_table.c
    row = {**MENTIONS[0], "start": 100, "end": 105}
    try:
        with engine.connect() as conn:
            assert set(conn.execute(sa.select(m.confidence)).scalars()) == {1.0}
            conn.execute(sa.insert(mentions_table).values(**{**row, "kind": "bare"}))
            for bad in ({"kind": "guess"}, {"confidence": 1.5}, {"confidence": -0.1}):
                with pytest.raises(IntegrityError), conn.begin_nested():
                    conn.execute(sa.insert(mentions_table).values(**{**row, **bad}))
            conn.commit()
        migrate(old_database, "downgrade", "0005")  # bare names become explicit ones
        with engine.connect() as conn:
            kinds = conn.execute(sa.text("SELECT kind FROM mentions WHERE start = 100"))
            assert kinds.scalars().all() == ["explicit"]
    finally:
        engine.dispose()


def test_0007_keeps_sign_in_attempts_and_drops_known_devices_on_the_way_down(
    db_url: str,
) -> None:
    migrate(db_url, "upgrade", "0006")
    at = dt.datetime(2024, 12, 1, 9, tzinfo=dt.UTC)
    engine = sa.create_engine(normalise_url(db_url))
    attempt = {"email": "desk@news.example", "client_key": "198.51.100.7", "at": at, "ok": False}
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO sign_in_attempts (email, client_key, at, ok) "
                                 "VALUES (:email, :client_key, :at, :ok)"), attempt)  # fmt: skip
        with Store(db_url) as store:  # upgrades to 0007
            accounts = Accounts(store)
            accounts.add("desk@news.example", "correct horse battery", "editor")
            accounts.remember_device("desk@news.example", dt.timedelta(days=1))
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT client_key, device_hash FROM sign_in_attempts"))
            assert rows.all() == [("198.51.100.7", None)]
            devices = conn.execute(sa.text("SELECT count(*) FROM sign_in_devices"))
            assert devices.scalar_one() == 1
        migrate(db_url, "downgrade", "0006")
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "sign_in_devices" not in inspector.get_table_names()
            columns = {c["name"] for c in inspector.get_columns("sign_in_attempts")}
            assert "device_hash" not in columns
            kept = conn.execute(sa.text("SELECT client_key FROM sign_in_attempts"))
            assert kept.scalars().all() == ["198.51.100.7"]
    finally:
        engine.dispose()


def test_0008_adds_the_audit_log_and_drops_it_on_the_way_down(db_url: str) -> None:
    with Store(db_url) as store:
        Accounts(store).add("desk@news.example", "correct horse battery", "editor")
    engine = sa.create_engine(normalise_url(db_url))
    try:
        with engine.connect() as conn:
            actions = conn.execute(sa.text("SELECT action, target FROM audit_log"))
            assert actions.all() == [("account.add", "desk@news.example")]
        migrate(db_url, "downgrade", "0007")
        with engine.connect() as conn:
            assert "audit_log" not in sa.inspect(conn).get_table_names()
            users = conn.execute(sa.text("SELECT email FROM users"))
            assert users.scalars().all() == ["desk@news.example"]  # the accounts stay
    finally:
        engine.dispose()
