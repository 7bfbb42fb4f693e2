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
