"""Names as matching compares them: one spelling for each way of writing the same letters.

People's names arrive in capitals or not, with or without accents ("Zoë", "Łukasz"), hyphens
("Smith-Jones"), apostrophes ("O'Brien"), and "Mac" or "Mc". Matching compares the normalised
forms; what the front door sees is always the name as recorded.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

import jellyfish

__all__ = ["family_key", "fold", "name_tokens", "normalise_name", "phonetic"]

# letters NFKD does not take apart into a base letter and an accent
_LETTERS: Final = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th"}
)
_APOSTROPHES: Final = re.compile(r"['’‘`´]")
_NOT_LETTERS: Final = re.compile(r"[^a-z]+")
_MAC: Final = re.compile(r"^mac(?=[a-z]{3})")


def fold(text: str) -> str:
    """Lower case without accents or apostrophes ("Zoë O'Brien" -> "zoe obrien"): how names and
    addresses are written for comparison, whatever keyboard typed them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return _APOSTROPHES.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=65536)
def normalise_name(text: str | None) -> str:
    """Lower-case ASCII letters in words separated by single spaces ("" for nothing).

    Accents go ("Zoë" -> "zoe"), apostrophes join ("O'Brien" -> "obrien"), hyphens and anything
    else that is not a letter separate words, and "Mac" before three or more letters becomes "mc"
    ("MacDonald" and "McDonald" -> "mcdonald"): the same rule on both sides, so a name such as
    "Mackie" (-> "mckie") still equals itself.
    """
    if not text:
        return ""
    words = _NOT_LETTERS.sub(" ", fold(text)).split()
    return " ".join(_MAC.sub("mc", word) for word in words)


def name_tokens(text: str | None) -> tuple[str, ...]:
    """The words of a normalised name: a first name and middle names, or a double-barrelled name's parts."""
    return tuple(normalise_name(text).split())


def family_key(text: str | None) -> str:
    """A family name as one word ("van der berg" -> "vanderberg", "smith jones" -> "smithjones"),
    so that spacing and hyphens never make two names differ."""
    return normalise_name(text).replace(" ", "")


@lru_cache(maxsize=65536)
def phonetic(word: str) -> str:
    """The Metaphone key of a normalised word (jellyfish): how it sounds, so blocking finds
    "Mohammed" and "Muhammad" (both MHMT) together. Falls back to the word when it has no key."""
    return jellyfish.metaphone(word) or word
