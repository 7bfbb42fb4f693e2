"""RFC 29 hostlists: ``node[1-3,7]`` compressed host names."""

from __future__ import annotations

import re

_PART_RE = re.compile(r"([^\[\],]*)(?:\[([^\]]*)\])?([^\[\],]*)")


def decode_hostlist(text: str) -> list[str]:
    """Expand a hostlist into host names; raise ValueError when malformed."""
    hosts: list[str] = []
    pos = 0
    error = ValueError(f"invalid hostlist: {text}")
    while pos < len(text):
        match = _PART_RE.match(text, pos)
        if not match or match.end() == pos:
            raise error
        prefix, ranges, suffix = match.groups()
        if ranges is None:
            if not prefix and not suffix:
                raise error
            hosts.append(prefix + suffix)
        else:
            for part in ranges.split(","):
                lo, _, hi = part.partition("-")
                if not lo.isdigit() or (hi and not hi.isdigit()):
                    raise error
                width = len(lo)
                end = int(hi) if hi else int(lo)
                if end < int(lo):
                    raise error
                hosts.extend(f"{prefix}{i:0{width}d}{suffix}" for i in range(int(lo), end + 1))
        pos = match.end()
        if pos < len(text):
            if text[pos] != ",":
                raise error
            pos += 1
    return hosts


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def encode_hostlist(hosts: list[str]) -> str:
    """Compress host names into a hostlist (``vm``, ``node[0-3,7]``), keeping their order."""
    groups: dict[tuple[str, int], list[int]] = {}
    order: list[tuple[str, int] | str] = []
    for host in hosts:
        match = _NUMBERED.match(host)
        if match is None:
            order.append(host)
            continue
        digits = match.group(2)
        key = (match.group(1), len(digits) if len(digits) > 1 and digits[0] == "0" else 0)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(int(match.group(2)))
    parts = []
    for item in order:
        if isinstance(item, str):
            parts.append(item)
            continue
        prefix, width = item
        numbers = groups[item]
        if len(numbers) == 1:
            parts.append(f"{prefix}{numbers[0]:0{width}d}")
            continue
        ranges, start = [], 0
        for i in range(1, len(numbers) + 1):
            if i == len(numbers) or numbers[i] != numbers[i - 1] + 1:
                lo, hi = numbers[start], numbers[i - 1]
                ranges.append(f"{lo:0{width}d}" + (f"-{hi:0{width}d}" if hi != lo else ""))
                start = i
        parts.append(f"{prefix}[{','.join(ranges)}]")
    return ",".join(parts)
