"""``triage.db.urls``: the audit database's URL read (postgres:// too), shown without its password,
and one line saying what to check when it cannot be opened."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from triage.db.urls import DatabaseUnavailable, driver_url, masked, unavailable, where


def test_a_password_is_never_shown() -> None:
    assert (
        masked("postgresql://triage:s3cret@db.example:5432/triage") == "postgresql://triage:***@db.example:5432/triage"
    )


def test_a_password_in_text_that_is_not_a_url_is_not_shown_either() -> None:
    assert "s3cret" not in masked("postgresql//triage:s3cret@db.example")  # make_url cannot read it


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_postgres_urls_in_each_spelling_use_psycopg_3(scheme: str) -> None:
    url = driver_url(f"{scheme}://triage:pw@db.example/triage")
    assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", "db.example", "triage")


def test_a_postgres_connection_gives_up_after_a_timeout_unless_the_url_sets_one() -> None:
    assert driver_url("postgres://t:p@h/d").query["connect_timeout"] == "10"
    assert driver_url("postgres://t:p@h/d?connect_timeout=3").query["connect_timeout"] == "3"


def test_a_misspelt_scheme_is_named_with_what_is_expected_and_no_password() -> None:
    with pytest.raises(DatabaseUnavailable) as refused:
        driver_url("postgress://triage:s3cret@db.example/triage")
    assert "unknown scheme 'postgress://'" in str(refused.value) and "postgres://" in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_an_sqlite_log_is_shown_as_its_file_and_postgresql_as_its_masked_url(tmp_path) -> None:
    assert where(f"sqlite:///{tmp_path / 'audit.sqlite3'}") == str(tmp_path / "audit.sqlite3")
    assert where("postgresql://u:pw@h:5432/d") == "postgresql://u:***@h:5432/d"


@pytest.mark.parametrize(
    ("driver_says", "advice"),
    [
        ('connection to server at "h", port 1 failed: Connection refused', "check the host and port"),
        ('FATAL:  password authentication failed for user "triage"', "user name or password"),
        ('FATAL:  database "nope" does not exist', "the database name"),
        ("failed to resolve host 'db.example'", "check the host"),
        ("connection timeout expired", "did not answer in time"),
    ],
)
def test_the_line_says_what_to_check_without_quoting_the_driver(driver_says: str, advice: str) -> None:
    error = OperationalError("connect", {}, Exception(driver_says))
    line = str(unavailable("postgresql://triage:s3cret@h:1/triage", error))
    assert line.startswith("cannot open the audit database postgresql://triage:***@h:1/triage (TRIAGE_DATABASE_URL): ")
    assert advice in line and driver_says not in line and "\n" not in line
