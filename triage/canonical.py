"""Canonical JSON: one text for one content, so equal content always hashes the same.

Used for the ruleset's sha256 and for every audit event's hash. orjson sorts keys and writes
compact UTF-8 ten times faster than the json module; the few values it cannot write (integers
beyond 64 bits) fall back to the json module, so the same data always takes the same path.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson


def canonical(data: Any) -> str:
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=str).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
