"""Secret keys kept in files outside the database: read one, or make it on first use.

A key in the database travels with every backup of it; a key in a file readable only by its owner
(mode 0600) does not. Used for the key that signs staff sessions and the key that signs audit
checkpoints.
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from pathlib import Path


class KeyFileProblem(Exception):
    """A key file that cannot be used: the message says which file and what to do."""


def read_or_create_key(path: Path, what: str) -> bytes:
    """The key in ``path``, made (32 random bytes, hex, mode 0600) if the file does not exist yet.

    A key file that others may read is refused rather than used: whoever can read it can forge
    what it signs. ``what`` names the key in messages ("session key", "checkpoint key").
    """
    try:
        return read_key(path, what)
    except FileNotFoundError:
        pass
    # written whole to a private temporary file, then linked into place: another process making the
    # key at the same moment never reads a half-written file, and whichever link lands first wins
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise KeyFileProblem(f"cannot create the {what} file {path}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        os.link(temporary, path)
    except FileExistsError:  # another process made it first: theirs is the one
        pass
    except OSError as error:
        raise KeyFileProblem(f"cannot create the {what} file {path}: {error.strerror}") from None
    finally:
        os.unlink(temporary)
    return read_key(path, what)


def read_key(path: Path, what: str) -> bytes:
    """The key in ``path`` (FileNotFoundError if there is none; KeyFileProblem if it is unsafe).
    For checking what a key signed: a new key made here would only make every signature fail."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise
    except OSError as error:
        raise KeyFileProblem(f"cannot use the {what} file {path}: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileProblem(
            f"the {what} file {path} may be read by other users; make it private with: chmod 600 {path}"
        )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise KeyFileProblem(
            f"the {what} file {path} holds fewer than 32 characters; "
            "delete it to have a new key made, or put a longer secret in it"
        )
    return key.encode("ascii")
