"""The link hash: known answers worked out here with hashlib, and the chain through the previous hash.

If an event's hash stopped covering the previous hash, the log would stop being a chain and
``verify`` (which recomputes with the same function) would still say ok: these tests pin the
formula itself.
"""

from __future__ import annotations

import hashlib

import pytest

from triage.audit.canonical import GENESIS, canonical, chain_hash, link_hash

PREV = "ab" * 32
CONTENT = {"kind": "decision", "seq": 7, "route": "mast", "names": ["Zoë", "Ann"]}
# CONTENT as canonical JSON, written out by hand: keys sorted, no spaces, non-ASCII kept as UTF-8.
CONTENT_TEXT = '{"kind":"decision","names":["Zoë","Ann"],"route":"mast","seq":7}'


def test_the_first_event_follows_sixty_four_zeros():
    assert GENESIS == "0000000000000000000000000000000000000000000000000000000000000000"


def test_canonical_text_is_sorted_compact_utf8():
    assert canonical(CONTENT) == CONTENT_TEXT


@pytest.mark.parametrize(
    ("prev", "text"),
    [
        (GENESIS, "{}"),
        (PREV, CONTENT_TEXT),
        ("f" * 64, '{"a":1}'),
    ],
    ids=["genesis-empty", "event", "ffff"],
)
def test_link_hash_known_answers(prev, text):
    """sha256 of: the previous hash, a newline, the canonical content."""
    expected = hashlib.sha256(prev.encode("ascii") + b"\n" + text.encode("utf-8")).hexdigest()
    assert link_hash(prev, text) == expected


def test_link_hash_fixed_vector():
    """One answer written down, so a change to the formula cannot pass by changing both sides
    (worked out outside Python: ``printf '%s\\n{}' 000…000 | sha256sum``)."""
    assert link_hash(GENESIS, "{}") == "5649d09ed68c17156095d175eef152856c5b1a81c117c409c1e00f096aa6838e"


def test_chain_hash_is_the_link_hash_of_the_canonical_content():
    expected = hashlib.sha256((PREV + "\n" + CONTENT_TEXT).encode("utf-8")).hexdigest()
    assert chain_hash(PREV, CONTENT) == expected


def test_different_previous_hashes_give_different_event_hashes():
    assert chain_hash(GENESIS, CONTENT) != chain_hash(PREV, CONTENT)
    assert link_hash(GENESIS, CONTENT_TEXT) != link_hash(PREV, CONTENT_TEXT)


def test_different_content_gives_different_event_hashes():
    assert chain_hash(PREV, CONTENT) != chain_hash(PREV, {**CONTENT, "route": "bsf"})
