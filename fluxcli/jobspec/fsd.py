"""Flux Standard Duration (RFC 23) parsing and formatting, and datetimes."""

from __future__ import annotations

import math
import re
import time

_FSD_RE = re.compile(r"(.*?)(s|m|h|d|ms)$")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "ms": 0.001}
_INFINITY = ("inf", "infinity", "INF", "INFINITY")


def parse_fsd(text: str) -> float:
    """Return the number of seconds in Flux Standard Duration ``text``.

    ``"inf"`` and ``"infinity"`` give ``math.inf``; a bare number is seconds.
    Raises ValueError("invalid Flux standard duration") for anything else.
    """
    if not isinstance(text, str):
        raise TypeError("duration must be a string")
    if text in _INFINITY:
        return math.inf
    match = _FSD_RE.match(text)
    number, unit = (match.group(1), match.group(2)) if match else (text, "s")
    try:
        value = float(number) * _UNIT_SECONDS[unit]
    except ValueError:
        raise ValueError("invalid Flux standard duration")
    if value < 0 or math.isnan(value) or math.isinf(value):
        raise ValueError("invalid Flux standard duration")
    return value


def fsd(seconds: float) -> str:
    """Format ``seconds`` as a short Flux Standard Duration string."""
    if math.isinf(seconds):
        return "inf"
    if seconds < 1.0e-3:
        return "0s"
    if seconds < 10.0:
        return f"{seconds:.3f}s"
    if seconds < 60.0:
        return f"{seconds:.4g}s"
    if seconds < 3600.0:
        return f"{seconds / 60.0:.4g}m"
    if seconds < 86400.0:
        return f"{seconds / 3600.0:.4g}h"
    return f"{seconds / 86400.0:.4g}d"


def decode_duration(value: str | int | float) -> float:
    """Decode a number (seconds), a numeric string (seconds) or an FSD string."""
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except ValueError:
        return parse_fsd(value)


def parse_datetime(text: str, now: float | None = None) -> float:
    """Return the epoch time named by ``text``.

    Accepts ``now``, ``+FSD`` / ``-FSD`` offsets from now, or any phrase the
    parsedatetime library understands ("3pm", "tomorrow", "2021-06-21 8am").
    """
    now = time.time() if now is None else now
    if text == "now":
        return now
    if text.startswith("+"):
        return now + parse_fsd(text[1:])
    if text.startswith("-"):
        return now - parse_fsd(text[1:])
    import datetime

    import parsedatetime  # imported lazily: only --begin-time needs it

    cal = parsedatetime.Calendar(parsedatetime.Constants(usePyICU=False))
    cal.ptc.StartHour = 0
    base = datetime.datetime.fromtimestamp(now)
    result, status = cal.parseDT(text, sourceTime=base)
    if status == 0:
        raise ValueError(f'Invalid datetime: "{text}"')
    return result.timestamp()
