"""``triage.services``: what the routes share, on the configured database."""

from __future__ import annotations

import pytest

from triage.db.urls import DatabaseUnavailable
from triage.services import Services
from triage.settings import Settings


def test_an_unreachable_database_is_named_with_its_password_masked_and_what_to_check():
    with pytest.raises(DatabaseUnavailable) as refused:
        Services.start(Settings(database_url="postgresql://triage:s3cret@127.0.0.1:1/triage"))
    message = str(refused.value)
    assert "postgresql://triage:***@127.0.0.1:1/triage" in message and "check the host and port" in message
    assert "s3cret" not in message


def test_a_new_data_folder_is_made_for_the_log_readable_by_its_owner_only(tmp_path):
    folder = tmp_path / "new" / "triage"
    services = Services.start(Settings(data_dir=folder, engine="python"))
    services.store.db.dispose()
    assert (folder / "audit.sqlite3").is_file() and (folder.stat().st_mode & 0o077) == 0
