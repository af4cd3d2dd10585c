"""Migration 0006: the key that signs staff sessions is kept nowhere in the database (it lives in a
key file), on SQLite and PostgreSQL, and an upgrade drops the table that used to hold it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, inspect, select, text

from triage.access import Role
from triage.access.staff import StaffStore
from triage.app import create_app
from triage.audit.store import AuditStore
from triage.db.connection import open_database
from triage.db.migrate import HEAD, MIGRATIONS, current_revision
from triage.settings import Settings

from support import STAFF_PASSWORD, signed_in_browser


def _everything_in(engine) -> str:
    """Every value in every table of the database, as one text."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(
            str(value) for table in tables.sorted_tables for row in conn.execute(select(table)) for value in row
        )


def test_the_session_key_is_nowhere_in_the_database(store_url, tmp_path: Path):
    app = create_app(Settings(database_url=store_url, engine="python", session_key_file=tmp_path / "session.key"))
    engine = app.state.services.store.db
    try:
        StaffStore(engine).create("a.patel", "A. Patel", Role.FRONT_DOOR, STAFF_PASSWORD)
        signed_in_browser(app, "a.patel")  # the key is in use
        key = (tmp_path / "session.key").read_text().strip()
        assert "web_secrets" not in inspect(engine).get_table_names()
        assert key not in _everything_in(engine)
    finally:
        engine.dispose()


def test_upgrading_from_0005_drops_the_key_kept_in_the_database(store_url):
    engine = open_database(store_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0005")
        conn.execute(text("INSERT INTO web_secrets (name, value) VALUES ('session', 'old-key-from-the-database')"))
    engine.dispose()
    upgraded = AuditStore(store_url)
    try:
        assert current_revision(upgraded.db) == HEAD
        assert "web_secrets" not in inspect(upgraded.db).get_table_names()
        assert "old-key-from-the-database" not in _everything_in(upgraded.db)
    finally:
        upgraded.db.dispose()
