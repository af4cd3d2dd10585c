"""Which characters a recorded string may hold: none of Unicode's control characters (Cc) or
surrogates (Cs); free text keeps its tabs and line breaks."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from triage.characters import is_safe

REFUSED = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Cs")]
KEPT_IN_FREE_TEXT = {"\t", "\n", "\r"}


def test_every_control_character_and_surrogate_is_refused_on_one_line():
    assert [c for c in REFUSED if is_safe(f"A. Teacher{c}")] == []


def test_free_text_refuses_them_all_but_tab_and_line_breaks():
    assert {c for c in REFUSED if is_safe(f"line one{c}line two", multiline=True)} == KEPT_IN_FREE_TEXT


@pytest.mark.parametrize(
    "text",
    [
        "A. Teacher",
        "Zoë O'Brien-Łukasz",
        "家族",
        "🙂 emoji (a surrogate pair in JSON)",
        "\u00a0non-breaking space",
        "",
        "\u200b",
    ],
)
def test_ordinary_text_in_any_script_is_kept(text):
    assert is_safe(text) and is_safe(text, multiline=True)
