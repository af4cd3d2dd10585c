"""What of an event is personal, kept apart from the chain so that retention can erase it.

The hash chain can never be edited, so nothing in it may need erasing. Each event is split in
two before it is written:

- the **record** (in the chain): what was decided and by whom, in ids and codes (route, priority,
  problems, the ruleset, the caller), the referral id only as a pseudonym (its sha256), and the
  sha256 of the personal part;
- the **personal part** (in ``audit_payloads``, beside the referral payloads, addressed by its
  sha256): the referral id, the reasons and evidence (which name members), free-text reasons for
  overrides and closings. ``audit purge`` erases it with the payloads; the chain still verifies,
  and ``verify`` checks every personal part still held against the hash that references it.

A personal part carries the event's own id, so two events never share one (a purge of one can
never take another's) and its hash says nothing about a short, guessable text such as a reason.

Events recorded before this split (their whole decision in the chain) are read as they are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

# the decision fields that name people or carry a referrer's free choice: kept out of the chain
PERSONAL_DECISION_FIELDS = ("referral_id", "reasons", "evidence", "modifiers")
# what a reader sees in their place once retention has erased them
ERASED = "(erased)"
ERASED_DECISION = {"referral_id": ERASED, "reasons": [], "evidence": [], "modifiers": []}
PERSONAL_KEY = "personal_sha256"


def referral_ref(referral_id: str) -> str:
    """The pseudonym a referral id is recorded under in the chain and the decisions index."""
    return hashlib.sha256(f"referral:{referral_id}".encode()).hexdigest()


@dataclass(frozen=True)
class Split:
    """An event body split in two: what the chain records, and the personal part kept apart."""

    record: dict[str, Any]
    personal: dict[str, Any]


def split_decision(decision: dict[str, Any], caller: str, payload_sha: str) -> Split:
    """A decision event: the decision without its personal fields, and those fields apart."""
    public = {name: value for name, value in decision.items() if name not in PERSONAL_DECISION_FIELDS}
    personal = {"event": decision["decision_id"], **{name: decision[name] for name in PERSONAL_DECISION_FIELDS}}
    return Split({"decision": public, "caller": caller, "payload_sha256": payload_sha}, personal)


def split_note(body: dict[str, Any], referral_id: str, event_id: str, personal: tuple[str, ...] = ("reason",)) -> Split:
    """An override, a closing, a link: its free-text ``reason`` (and any other ``personal`` field,
    such as a link's evidence, which may name people: "nickname of Sarah") and the referral id apart."""
    record = {name: value for name, value in body.items() if name not in personal}
    kept = {name: body[name] for name in personal}
    return Split(record, {"event": event_id, "referral_id": referral_id, **kept})


def is_split(record: dict[str, Any]) -> bool:
    """Whether an event was recorded split (False: recorded whole, before the split existed)."""
    return PERSONAL_KEY in record


def joined(record: dict[str, Any], personal: dict[str, Any] | None) -> dict[str, Any]:
    """The body as readers know it: the record with its personal part put back (or, once erased,
    the placeholders of ERASED_DECISION and a ``reason`` of ERASED). A body recorded whole is
    returned as it is."""
    if not is_split(record):
        return record
    body = {name: value for name, value in record.items() if name != PERSONAL_KEY}
    if "decision" in body:
        restored = personal if personal is not None else ERASED_DECISION
        body["decision"] = {**body["decision"], **{name: restored[name] for name in PERSONAL_DECISION_FIELDS}}
    elif personal is not None:
        body.update({name: value for name, value in personal.items() if name not in ("event", "referral_id")})
    else:  # erased: the reason says so; any other personal field is simply gone
        body["reason"] = ERASED
    return body
