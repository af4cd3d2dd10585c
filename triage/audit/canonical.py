"""Canonical JSON and the hash chain: the part of the audit log that makes tampering visible.

Each event's hash is sha256 over the previous event's hash and the event's canonical JSON, so
changing, removing or reordering any stored event breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first event


def canonical(data: Any) -> str:
    """One text for one content: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """The hash of an event whose canonical content is ``content``, following ``prev_hash``."""
    return sha256_text(prev_hash + "\n" + canonical(content))
