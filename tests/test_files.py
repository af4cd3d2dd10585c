"""Writing outputs whole: the temporary file, and what a killed run leaves behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from triage.files import replacing


def _dead_pid() -> int:
    """The pid of a process that has already exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_output_appears_only_when_complete(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with replacing(output) as out:
        out.write("one\n")
        assert not output.exists()
    assert output.read_text() == "one\n"


def test_failed_write_leaves_no_output_and_no_temporary(tmp_path: Path) -> None:
    output = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError), replacing(output) as out:
        out.write("half")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_temporary_left_by_a_killed_run_is_removed(tmp_path: Path) -> None:
    abandoned = tmp_path / f".out.jsonl.{_dead_pid()}.abc123.partial"
    abandoned.write_text("half a batch\n")
    with replacing(tmp_path / "out.jsonl") as out:
        out.write("whole\n")
    assert not abandoned.exists()


def test_temporary_of_a_run_still_writing_is_kept(tmp_path: Path) -> None:
    in_progress = tmp_path / f".out.jsonl.{os.getppid()}.abc123.partial"
    in_progress.write_text("being written\n")
    with replacing(tmp_path / "out.jsonl") as out:
        out.write("whole\n")
    assert in_progress.read_text() == "being written\n"


def test_temporaries_of_other_outputs_are_not_touched(tmp_path: Path) -> None:
    other = tmp_path / f".other.jsonl.{_dead_pid()}.abc123.partial"
    other.write_text("not ours\n")
    with replacing(tmp_path / "out.jsonl") as out:
        out.write("whole\n")
    assert other.exists()
