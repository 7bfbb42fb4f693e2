"""``--signal=[SIG][@TIME]`` specifications."""

from __future__ import annotations

import signal as _signal

from .fsd import decode_duration

DEFAULT_SIGNUM = int(_signal.SIGUSR1)
DEFAULT_TIMELEFT = 60


def decode_signal(value: int | str) -> int:
    """Return the number of signal ``value``: a number, ``SIGUSR1`` or ``USR1``."""
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        pass
    for name in (value, "SIG" + value):
        sig = getattr(_signal, name, None) if name.isupper() and name.startswith("SIG") else None
        if isinstance(sig, _signal.Signals):
            return int(sig)
    raise ValueError(f"signal '{value}' is invalid")


def parse_signal_option(arg: str) -> dict[str, int | float]:
    """Parse ``[SIG][@TIME]`` into ``{"signum": N, "timeleft": seconds}``."""
    signum: int | float = DEFAULT_SIGNUM
    timeleft: int | float = DEFAULT_TIMELEFT
    sig, _, when = arg.partition("@")
    try:
        if sig:
            signum = decode_signal(sig)
            if signum <= 0:
                raise ValueError("signal must be > 0")
        if when:
            timeleft = decode_duration(when)
    except ValueError as exc:
        raise ValueError(f"--signal={arg}: {exc}")
    return {"signum": signum, "timeleft": timeleft}
