"""Key files: made once, private, refused when others may read them, never half-written."""

from __future__ import annotations

import stat
import threading

import pytest

from triage.keyfile import KeyFileProblem, read_key, read_or_create_key


def test_a_key_is_made_on_first_use_and_read_back_after(tmp_path):
    first = read_or_create_key(tmp_path / "keys" / "a.key", "test key")
    assert (len(first), read_or_create_key(tmp_path / "keys" / "a.key", "test key")) == (64, first)


def test_a_new_key_file_and_its_folder_are_private(tmp_path):
    read_or_create_key(tmp_path / "keys" / "a.key", "test key")
    assert stat.S_IMODE((tmp_path / "keys" / "a.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_a_key_file_others_may_read_is_refused_naming_it_and_the_fix(tmp_path):
    path = tmp_path / "a.key"
    path.write_text("k" * 64)
    path.chmod(0o640)
    with pytest.raises(KeyFileProblem, match=f"chmod 600 {path}"):
        read_or_create_key(path, "test key")


def test_a_short_key_is_refused(tmp_path):
    path = tmp_path / "a.key"
    path.write_text("short")
    path.chmod(0o600)
    with pytest.raises(KeyFileProblem, match="fewer than 32 characters"):
        read_key(path, "test key")


def test_reading_a_missing_key_never_makes_one(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_key(tmp_path / "a.key", "test key")
    assert not (tmp_path / "a.key").exists()


def test_processes_making_the_key_at_once_all_get_the_same_whole_key(tmp_path):
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(read_or_create_key(tmp_path / "a.key", "test key")))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(keys), len(set(keys)), len(keys[0])) == (16, 1, 64)
    assert [p.name for p in tmp_path.iterdir()] == ["a.key"]  # no temporary file left behind


def test_a_folder_that_cannot_be_made_is_one_clear_problem(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(KeyFileProblem, match="cannot use the test key file"):
        read_or_create_key(tmp_path / "file" / "a.key", "test key")
