"""Canonical JSON: one text for one content, whichever writer (orjson, or json for integers
beyond 64 bits) produces it."""

from __future__ import annotations

from triage.canonical import canonical, sha256_text


def test_orjson_writes_sorted_compact_utf8():
    assert canonical({"b": 1, "a": "Zoë"}) == '{"a":"Zoë","b":1}'


def test_the_fallback_for_huge_integers_writes_the_same_way():
    assert canonical({"b": 2**70, "a": "Zoë"}) == '{"a":"Zoë","b":1180591620717411303424}'


def test_sha256_text_hashes_the_utf8_bytes():
    assert sha256_text("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
