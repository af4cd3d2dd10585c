"""Secret keys kept in files outside the database: read one, or make it on first use.

A key in the database travels with every backup of it; a key in a file readable only by its owner
(mode 0600) does not. Used for the key that signs staff sessions and the key that signs audit
checkpoints.
"""

from __future__ import annotations

import os
import secrets
import stat
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
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: theirs is the one
        return read_key(path, what)
    except OSError as error:
        raise KeyFileProblem(f"cannot create the {what} file {path}: {error.strerror}") from None
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32) + "\n")
    return read_key(path, what)


def read_key(path: Path, what: str) -> bytes:
    """The key in ``path`` (FileNotFoundError if there is none; KeyFileProblem if it is unsafe).
    For checking what a key signed: a new key made here would only make every signature fail."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileProblem(f"the {what} file {path} may be read by other users; "
                             f"make it private with: chmod 600 {path}")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise KeyFileProblem(f"the {what} file {path} holds fewer than 32 characters; "
                             "delete it to have a new key made, or put a longer secret in it")
    return key.encode("ascii")
