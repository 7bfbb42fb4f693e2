"""Reading jobspecs given as objects, JSON text or bytes (``flux.job.validate_jobspec``)."""

from __future__ import annotations

import errno
import json

from .jobspec import Jobspec
from .v1 import JobspecV1
from .validate import TOP_LEVEL_KEYS, validate_keys

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any


def jobspec_to_string(jobspec: Any) -> str:
    """Accept a Jobspec, str or bytes and return JSON text.

    None → OSError(EINVAL); any other type → TypeError (as ``flux.job`` does).
    """
    if isinstance(jobspec, Jobspec):
        return jobspec.dumps()
    if isinstance(jobspec, bytes):
        return jobspec.decode("utf-8", errors="surrogateescape")
    if isinstance(jobspec, str):
        return jobspec
    if jobspec is None:
        raise OSError(errno.EINVAL, "jobspec must not be None/NULL")
    raise TypeError("jobspec must be a Jobspec or string (either binary or unicode)")


def validate_jobspec(jobspec: Any, require_version: int | None = None) -> tuple:
    """Validate a jobspec (object, JSON str or bytes); return ``(True, Jobspec)``.

    A version 1 jobspec (or ``require_version=1``) is checked as a JobspecV1;
    JSON ``null`` gives ``(1, "Unable to parse JSON")`` as in Flux.
    """
    obj = json.loads(jobspec_to_string(jobspec))
    if obj is None:
        return (1, "Unable to parse JSON")
    if not isinstance(obj, dict):
        raise TypeError("jobspec must be a JSON object")
    validate_keys(TOP_LEVEL_KEYS, obj.keys())
    if require_version == 1 or obj.get("version", 0) == 1:
        return True, JobspecV1(**obj)
    return True, Jobspec(**obj)
