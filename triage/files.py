"""Reading referral files and writing results without ever leaving half a file behind."""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

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
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
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
