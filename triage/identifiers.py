"""NHS numbers and unique pupil numbers (UPNs): their shapes and check characters.

Both identifiers carry a check character, so a typing slip is caught before a number is trusted as
an exact key: matching links people on a valid number only, and two different valid numbers mean
two different people. Pure functions, no personal data kept.

- **NHS number**: 10 digits, the last a modulus 11 check digit (weights 10 down to 2 on the first
  nine; 11 minus the remainder, 11 meaning 0; a result of 10 is never issued). Written as one run
  of digits or in 3-3-4 groups separated by spaces or hyphens (``943 476 5919``).
- **UPN** (Department for Education): 13 characters, a check letter then 12 characters: eleven
  digits and a digit (permanent) or a letter (temporary UPN). The check letter is the sum of each
  character from the second to the thirteenth times its position (2 to 13), modulo 23, written
  with the 23 letters A-Z less I, O and S; a temporary UPN's final letter counts as its place in
  that same list (UK Government Data Standards Catalogue, "Unique Pupil Number" 2.0; the DfE's
  school census validation rule 1510).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "UPN_LETTERS",
    "is_temporary_upn",
    "normalise_nhs_number",
    "normalise_upn",
    "upn_check_letter",
    "valid_nhs_number",
    "valid_upn",
]

# one separator, used for both gaps or for neither: "943 476 5919", "943-476-5919", "9434765919"
_NHS_RE: Final = re.compile(r"\s*([0-9]{3})([ -]?)([0-9]{3})\2([0-9]{4})\s*")
_NHS_WEIGHTS: Final = range(10, 1, -1)

UPN_LETTERS: Final = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O or S
_UPN_RE: Final = re.compile(rf"[{UPN_LETTERS}][0-9]{{11}}[0-9{UPN_LETTERS}]")


def normalise_nhs_number(text: str) -> str | None:
    """The ten digits of an NHS number written in an accepted shape, or None.

    Only the shape is checked here (see ``valid_nhs_number`` for the check digit), so that a
    form can say "not an NHS number" and "the check digit is wrong" apart.
    """
    match = _NHS_RE.fullmatch(text)
    return None if match is None else match[1] + match[3] + match[4]


def valid_nhs_number(text: str) -> bool:
    """Whether ``text`` is an NHS number in an accepted shape whose check digit is right."""
    digits = normalise_nhs_number(text)
    if digits is None:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def normalise_upn(text: str) -> str | None:
    """A UPN in upper case without surrounding spaces, if it has a UPN's shape, else None.

    Lower case is accepted because people copy UPNs by hand; inner spaces are not, because a UPN
    is never written with them.
    """
    candidate = text.strip().upper()
    return candidate if _UPN_RE.fullmatch(candidate) else None


def upn_check_letter(body: str) -> str:
    """The check letter for the twelve characters after it (eleven digits and a digit or letter).

    Raises:
        ValueError: ``body`` is not eleven digits followed by a digit or an allowed letter.
    """
    if len(body) != 12 or not body[:11].isdigit() or body[11] not in "0123456789" + UPN_LETTERS:
        raise ValueError("a UPN's last twelve characters are eleven digits and a digit or letter")
    values = [int(c) for c in body[:11]]
    last = body[11]
    values.append(int(last) if last.isdigit() else UPN_LETTERS.index(last))
    total = sum(value * weight for value, weight in zip(values, range(2, 14), strict=True))
    return UPN_LETTERS[total % 23]


def valid_upn(text: str) -> bool:
    """Whether ``text`` is a UPN (permanent or temporary) whose check letter is right."""
    upn = normalise_upn(text)
    return upn is not None and upn[0] == upn_check_letter(upn[1:])


def is_temporary_upn(text: str) -> bool:
    """Whether a UPN is a temporary one (its last character a letter): a school gives it while it
    waits for the pupil's permanent UPN, so a different temporary UPN never proves two pupils apart."""
    upn = normalise_upn(text)
    return upn is not None and upn[-1].isalpha()
