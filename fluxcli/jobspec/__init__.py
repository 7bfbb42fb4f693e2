"""The jobspec model: pure data, no backend, no click or rich.

Mirrors ``flux.job.Jobspec``, ``flux.job.JobspecV1`` and ``flux.job.JobID``.
Names are loaded on first use, so that a tool needing only ``jobspec.status``
or ``jobspec.jobid`` (fxjobs) does not pay for the whole model at start-up.
"""

import importlib

_EXPORTS = {
    "BatchConfig": ".conf",
    "JobID": ".jobid",
    "id_encode": ".jobid",
    "id_parse": ".jobid",
    "Jobspec": ".jobspec",
    "validate_jobspec": ".loading",
    "JobspecV1": ".v1",
}

__all__ = sorted(_EXPORTS, key=str.lower)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
