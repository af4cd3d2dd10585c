"""Connecting to the database: SQLite (the embedded default) or PostgreSQL (shared by several
servers), the same tables on both. Every part of the project that keeps records (the audit log,
API keys, staff accounts, sign-in limits, and the case work to come) opens it here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from triage.db.urls import driver_url

# marks a connection whose next transaction appends: on SQLite it begins with the write lock held
WRITER = "triage_writer"


def _sqlite_engine(url: str) -> Engine:
    # as many connections as the API's worker threads (40), so none waits for one to read
    engine = create_engine(url, pool_size=10, max_overflow=50)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below choose the BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a reported decision survives a power cut
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the write lock before reading the tail; readers (verify, show, export)
        # take none, so they never hold up the writers.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.pop(WRITER, False) else "BEGIN")

    return engine


def open_database(url: str) -> Engine:
    """An SQLAlchemy engine for a database URL (``sqlite:///path``, ``postgresql://…`` or ``postgres://…``);
    DatabaseUnavailable, naming it with the password masked, for a URL this project cannot use."""
    target = driver_url(url)
    if target.drivername == "sqlite":
        return _sqlite_engine(url)
    # 20 connections a process at most: several API workers must stay under the server's limit (100)
    return create_engine(target, pool_pre_ping=True, pool_size=5, max_overflow=15)
