"""Environment settings with a value to check: one clear line for a bad one, before any work.

The local instance reads these when it starts; a typo there would otherwise
surface as an instance that failed to start, with the reason in its log.
"""

from __future__ import annotations

import math
import os

from fluxcli.errors import FluxcliError

# variable → (what it must be, check)
NUMERIC = {
    "FX_IDLE_TIMEOUT": ("a number of seconds (0 = never)", lambda v: float(v) >= 0),
    "FX_LOCAL_NODES": ("a whole number of nodes", lambda v: int(v) >= 1),
    "FX_LOCAL_CORES_PER_NODE": ("a whole number of cores", lambda v: int(v) >= 0),
    "FX_SLURM_POLL": ("a number of seconds above 0", lambda v: float(v) > 0),
    "FX_SLURM_POLL_MAX": ("a number of seconds above 0", lambda v: float(v) > 0),
}


def _valid(check, text: str) -> bool:
    try:
        return bool(check(text)) and math.isfinite(float(text))
    except ValueError:
        return False


def check(environ: dict[str, str] | None = None) -> None:
    """Raise FluxcliError naming the first variable whose value is not what it must be."""
    environ = os.environ if environ is None else environ
    for name, (must_be, test) in NUMERIC.items():
        text = environ.get(name, "").strip()
        if text and not _valid(test, text):
            raise FluxcliError(f"{name}={environ[name]}: must be {must_be}")
    purge_limits(environ)


# the local instance forgets inactive jobs beyond these (unset: it keeps them all)
PURGE_AGE = "FX_PURGE_AGE_LIMIT"  # a Flux standard duration: "7d", "12h"
PURGE_NUM = "FX_PURGE_NUM_LIMIT"  # a whole number of jobs


def purge_limits(environ: dict[str, str] | None = None) -> tuple[float | None, int | None]:
    """The instance's purge limits: (age in seconds, number of inactive jobs); None: no limit.

    Raises FluxcliError naming the variable when a value is not what it must be.
    """
    environ = os.environ if environ is None else environ
    age = num = None
    text = environ.get(PURGE_AGE, "").strip()
    if text:
        from fluxcli.jobspec.fsd import parse_fsd

        try:
            age = parse_fsd(text)
        except ValueError:
            age = -1.0
        if not age >= 0:
            raise FluxcliError(f"{PURGE_AGE}={environ[PURGE_AGE]}: must be a duration (e.g. 7d)")
        age = None if math.isinf(age) else age
    text = environ.get(PURGE_NUM, "").strip()
    if text:
        if not text.isdigit():
            raise FluxcliError(f"{PURGE_NUM}={environ[PURGE_NUM]}: must be a whole number of jobs")
        num = int(text)
    return age, num
