"""Wire format between clients and the local instance: one JSON object per line."""

from __future__ import annotations

import json

MAX_MESSAGE = 16 * 1024 * 1024


def encode(message: dict) -> bytes:
    """One message as a newline-terminated JSON line."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def decode(line: bytes) -> dict:
    """Parse one line; raise ValueError when it is not a JSON object."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a request must be a JSON object")
    return message
