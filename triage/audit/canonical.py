"""Canonical JSON and the hash chain: the part of the audit log that makes tampering visible.

Each event's hash is sha256 over the previous event's hash and the event's canonical JSON, so
changing, removing or reordering any stored event breaks every hash after it.
"""

from __future__ import annotations

from typing import Any

from triage.canonical import canonical, sha256_text

__all__ = ["GENESIS", "canonical", "chain_hash", "link_hash", "sha256_text"]

GENESIS = "0" * 64  # the "previous hash" of the first event


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """The hash of an event whose canonical content is ``content``, following ``prev_hash``."""
    return link_hash(prev_hash, canonical(content))


def link_hash(prev_hash: str, content_text: str) -> str:
    """The same, for content already in canonical text (written once, stored and hashed)."""
    return sha256_text(prev_hash + "\n" + content_text)
