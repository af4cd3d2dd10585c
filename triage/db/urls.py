"""The audit database's address: reading its URL, showing it safely, and saying what is wrong with it.

``TRIAGE_DATABASE_URL`` may be written ``postgresql://…`` or ``postgres://…`` (as many hosts hand
it out); both mean PostgreSQL through psycopg 3. When the database cannot be opened (a host that
does not answer, a wrong password, a database that does not exist, a misspelt scheme), the
operator gets one line naming it, password masked, and what to check: never a driver's traceback.
A URL is never shown with its password, in a message or a log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from triage.db.migrate import current_revision

# what a URL may start with -> the SQLAlchemy driver used for it
_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "sqlite": "sqlite",
}
CONNECT_TIMEOUT_SECONDS = 10  # a host that drops packets is reported in seconds, not after minutes
_EXPECTED = "expected postgresql://USER:PASSWORD@HOST:5432/DBNAME (or postgres://…) or sqlite:///PATH"
# what a driver's message says -> what the operator should check
_ADVICE = (
    ("password authentication failed", "the user name or password was refused: check them"),
    ("does not exist", "check the user name and the database name (the database must exist: createdb)"),
    ("connection refused", "nothing answered there: check the host and port, and that PostgreSQL is running"),
    ("resolve host", "the host name is unknown: check the host"),
    ("translate host name", "the host name is unknown: check the host"),
    ("timeout", "the host did not answer in time: check the host and port, and the network or firewall"),
    ("unable to open database file", "check that the folder exists and that this user may write to it"),
    ("not a database", "that file is not an SQLite database: check the path"),
)


class DatabaseUnavailable(Exception):
    """The audit database cannot be opened: one line naming it (password masked) and what to check."""


def masked(url: str) -> str:
    """The URL as it may be shown: any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: still never show what may be a password (before the last @)
        credentials, at, host = url.rpartition("@")
        if not at:
            return url
        start = credentials.find("//") + 2 if "//" in credentials else 0
        user, colon, _ = credentials[start:].partition(":")
        return f"{credentials[:start]}{user}{':***' if colon else ''}@{host}"


def _parsed(url: str) -> URL:
    """The URL with its driver, or DatabaseUnavailable when it is not a URL this project can use."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(f"the audit database URL {masked(url)!r} is not a URL; {_EXPECTED}") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise DatabaseUnavailable(
            f"the audit database URL {masked(url)} starts with an unknown scheme "
            f"{parsed.drivername + '://'!r}; {_EXPECTED}"
        )
    return parsed.set(drivername=driver)


def driver_url(url: str) -> URL:
    """What SQLAlchemy connects with: psycopg 3 for PostgreSQL (from ``postgres://`` too), with a
    connection timeout unless the URL sets its own."""
    parsed = _parsed(url)
    if parsed.drivername != "sqlite" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_SECONDS)})
    return parsed


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL; None for PostgreSQL (or an in-memory SQLite database)."""
    parsed = _parsed(url)
    in_file = parsed.drivername == "sqlite" and parsed.database not in (None, "", ":memory:")
    return Path(parsed.database) if in_file and parsed.database else None


def where(url: str) -> str:
    """Where the log is, as an operator reads it: an SQLite file's path, else the masked URL."""
    file = sqlite_file(url)
    return str(file) if file is not None else masked(url)


def unavailable(url: str, error: BaseException) -> DatabaseUnavailable:
    """The one line for a database that could not be opened: which (masked), and what to check.
    The driver's own message is matched, never quoted: it may name more than the operator needs."""
    text = str(getattr(error, "orig", None) or error).lower()
    advice = next((advice for clue, advice in _ADVICE if clue in text), "check the URL, the server and the network")
    setting = "" if sqlite_file(url) else " (TRIAGE_DATABASE_URL)"
    return DatabaseUnavailable(f"cannot open the audit database {masked(url)}{setting}: {advice}")


@contextmanager
def opening(url: str) -> Iterator[None]:
    """Within this block, any failure to reach the database becomes DatabaseUnavailable."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except (SQLAlchemyError, OSError, ImportError) as error:
        raise unavailable(url, error) from None


def make_room(url: str) -> None:
    """Before a command that records makes a new SQLite log: its folder (on a new installation, the
    per-user data folder), readable by this user only."""
    file = sqlite_file(url)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)


def has_log(url: str) -> bool:
    """Whether an audit log is there, without making one: an SQLite file that exists, or a
    PostgreSQL database whose schema has been created (read-only commands must not create it)."""
    file = sqlite_file(url)
    if file is not None:
        return file.is_file()
    with opening(url):
        engine = create_engine(driver_url(url))
        try:
            return current_revision(engine) is not None
        finally:
            engine.dispose()
