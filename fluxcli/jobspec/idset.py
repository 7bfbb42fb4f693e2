"""RFC 22 idsets: ``"0-3,7"`` style sets of non-negative integers."""

from __future__ import annotations

import re

_RANGE_RE = re.compile(r"^(\d+)(?:-(\d+))?$")


def _ranges(text: str) -> list[tuple[int, int]]:
    """The ``(lo, hi)`` ranges of idset ``text``; ValueError when malformed."""
    error = ValueError(f"IDset(): Invalid argument: {text}")
    if not isinstance(text, str):
        raise error
    body = text.strip()
    if body.startswith("[") and body.endswith("]"):
        body = body[1:-1]
    if not body:
        return []
    ranges = []
    for part in body.split(","):
        match = _RANGE_RE.match(part)
        if not match:
            raise error
        lo = int(match.group(1))
        hi = int(match.group(2)) if match.group(2) is not None else lo
        if hi < lo:
            raise error
        ranges.append((lo, hi))
    return ranges


def idset_size(text: str) -> int:
    """How many ids idset ``text`` holds, without listing them (ValueError when malformed)."""
    return sum(hi - lo + 1 for lo, hi in _merge(_ranges(text)))


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def parse_idset(text: str) -> list[int]:
    """Return the sorted ids in idset ``text`` (optionally in brackets).

    Raises ValueError("IDset(): Invalid argument: TEXT") when malformed, or
    when it names more than ten million ids.
    """
    ranges = _ranges(text)
    if any(hi - lo > 10_000_000 for lo, hi in ranges):
        raise ValueError(f"IDset(): Invalid argument: {text}")
    ids: set[int] = set()
    for lo, hi in ranges:
        ids.update(range(lo, hi + 1))
    return sorted(ids)


def is_idset(text: str) -> bool:
    """True when ``text`` parses as a non-empty idset."""
    try:
        return bool(parse_idset(text))
    except ValueError:
        return False


def encode_idset(ids) -> str:
    """Encode integers as a compact idset string (``0-3,7``)."""
    out = []
    ordered = sorted(set(ids))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(out)
