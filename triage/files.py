"""Reading referral files and writing results without ever leaving half a file behind."""

from __future__ import annotations

import glob
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from triage.intake import FieldError, InvalidReferral


class CannotWrite(OSError):
    """The output's folder cannot take a new file (missing, read-only)."""


def read_text(file: Path) -> str:
    """The file as text. A UTF-8 byte-order mark (Windows editors write one) is dropped; bytes that
    are not UTF-8 (a scan, a legacy-encoded export) are an invalid referral, not a traceback."""
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise InvalidReferral([FieldError("", f"cannot read the file: {error.strerror}")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise InvalidReferral([FieldError("", f"not valid UTF-8 at line {line}")]) from None


def _new_file_mode(target: Path) -> int:
    """The permissions ``open(target, "w")`` would give: the existing file's, else 0666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _remove_abandoned(target: Path) -> None:
    """Delete temporary files that a killed run (SIGKILL, power cut) left beside this output.

    Each temporary file names the process writing it; only those whose process is gone are removed,
    so a run still writing the same output in parallel keeps its file.
    """
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.*.partial"):
        pid = leftover.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            leftover.unlink(missing_ok=True)


@contextmanager
def replacing(output: Path) -> Iterator[TextIO]:
    """Write to a temporary file beside the output and move it into place only when complete.

    A crash then leaves the previous output (or none), never half of one. A symlinked output is
    written through; a device or pipe (``-o /dev/stdout``) cannot be replaced, so it is written directly.
    """
    if output.exists() and not output.is_file():
        with output.open("w", encoding="utf-8") as out:
            yield out
        return
    target = output.resolve()
    try:
        _remove_abandoned(target)
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".partial"
        )
    except OSError as error:  # else the message would name the temporary file, not the output
        raise CannotWrite(error.errno, error.strerror) from None
    try:
        os.fchmod(descriptor, _new_file_mode(target))
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            yield out
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
