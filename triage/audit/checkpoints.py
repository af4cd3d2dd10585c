"""Checkpoints: the chain's head, signed and written outside the database.

The chain proves that no event was edited in place, but someone with write access to the
database could cut events off its end, or rewrite it from some event on and recompute every later
hash. A checkpoint records the head (the last event's number and hash) in a file outside the
database, signed (HMAC-SHA256) with a key that is not in the database either, so neither can be
forged from a copy of the database. ``verify`` then proves the log still holds every checkpointed
head. Keep the checkpoint folder on another machine or in backups the database's users cannot
write, and the key file readable only by the service.

Checkpoints are JSON lines, one file per UTC day (``checkpoints-2026-12-03.jsonl``), appended to:
``triage serve`` writes one on a schedule when the log has grown, ``triage audit checkpoint`` on demand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from triage.keyfile import KeyFileProblem, read_key, read_or_create_key

if TYPE_CHECKING:
    from triage.audit.log import AuditLog

logger = structlog.get_logger("triage.audit")


class CheckpointProblem(Exception):
    """A checkpoint file or line that cannot be trusted (forged, altered or signed with another key),
    or checkpoints that cannot be checked. ``names_server_paths``: the message names files on the
    server, for its operator, not for an API caller."""

    def __init__(self, message: str, names_server_paths: bool = False) -> None:
        super().__init__(message)
        self.names_server_paths = names_server_paths


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    taken_at: str
    source: str = ""  # where it was read from (file:line), for messages


def _signature(key: bytes, seq: int, head: str, taken_at: str) -> str:
    return hmac.new(key, f"triage-checkpoint\n{seq}\n{head}\n{taken_at}".encode(), hashlib.sha256).hexdigest()


def write_checkpoint(folder: Path, key: bytes, seq: int, head: str, now: datetime) -> Path:
    """Append a signed checkpoint of the head (``seq``, ``head``) to today's file; its path.

    One short line appended and flushed to disk: several processes writing at once each add
    their own whole line."""
    folder.mkdir(parents=True, exist_ok=True)
    taken_at = now.isoformat()
    line = (
        json.dumps(
            {"seq": seq, "hash": head, "taken_at": taken_at, "hmac": _signature(key, seq, head, taken_at)},
            sort_keys=True,
        )
        + "\n"
    )
    path = folder / f"checkpoints-{now:%Y-%m-%d}.jsonl"
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(handle, line.encode("ascii"))
        os.fsync(handle)
    finally:
        os.close(handle)
    return path


def load_checkpoints(folder: Path, key_path: Path) -> list[Checkpoint]:
    """The checkpoints in ``folder`` (none if it does not exist), checked with the key in ``key_path``.
    CheckpointProblem if there are checkpoints but no usable key: they cannot be checked without it."""
    if not any(folder.glob("checkpoints-*.jsonl")):
        return []
    try:
        key = read_key(key_path, "checkpoint key")
    except FileNotFoundError:
        raise CheckpointProblem(
            f"no checkpoint key at {key_path}: the checkpoints in {folder} cannot be checked "
            "without the key that signed them (TRIAGE_CHECKPOINT_KEY_FILE)",
            True,
        ) from None
    except KeyFileProblem as problem:
        raise CheckpointProblem(str(problem), True) from None
    return read_checkpoints(folder, key)


def read_checkpoints(folder: Path, key: bytes) -> list[Checkpoint]:
    """Every checkpoint in a folder, each checked against its signature (CheckpointProblem at the
    first that does not match: a forged or altered line must fail verification, not be skipped)."""
    found: list[Checkpoint] = []
    for path in sorted(folder.glob("checkpoints-*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                found.append(_checked(line, key, f"{path.name}:{number}"))
    return found


def _checked(line: str, key: bytes, source: str) -> Checkpoint:
    try:
        data = json.loads(line)
        checkpoint = Checkpoint(int(data["seq"]), str(data["hash"]), str(data["taken_at"]), source)
        signature = str(data["hmac"])
    except (ValueError, KeyError, TypeError):
        raise CheckpointProblem(f"checkpoint {source} is not a checkpoint line (altered)") from None
    if not hmac.compare_digest(signature, _signature(key, checkpoint.seq, checkpoint.hash, checkpoint.taken_at)):
        raise CheckpointProblem(
            f"checkpoint {source}: its signature does not match (forged or altered, or signed with another key)"
        )
    return checkpoint


class Checkpointer:
    """Writes a checkpoint of the chain's head outside the database every ``seconds``
    while the server runs, when the log has grown since the last one: so cutting events off the
    end of the log, or rewriting it, is caught by ``triage audit verify`` even if nobody ran
    ``triage audit checkpoint``. A failure is logged and tried again next time: it never stops serving."""

    def __init__(self, log: AuditLog, folder: Path, key_file: Path, seconds: int) -> None:
        self.log = log
        self.folder, self.key_file, self.seconds = folder, key_file, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="triage-checkpoints", daemon=True)
        self._last: tuple[int, str] | None = None

    def start(self) -> None:
        if self.seconds > 0:
            self._thread.start()

    def stop(self) -> None:
        """Stop, writing a last checkpoint of what this process recorded."""
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join()

    def _run(self) -> None:
        while True:
            self.checkpoint()
            if self._stop.wait(self.seconds):
                self.checkpoint()
                return

    def checkpoint(self) -> None:
        """Checkpoint the head if it moved since this process last did."""
        try:
            head = self.log.head()
            if head is None or head == self._last:
                return
            key = read_or_create_key(self.key_file, "checkpoint key")
            write_checkpoint(self.folder, key, *head, datetime.now(UTC))
            self._last = head
        except Exception as error:  # noqa: BLE001 - never stop serving over a checkpoint
            logger.error("checkpoint_failed", error=type(error).__name__)
