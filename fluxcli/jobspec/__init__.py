"""The jobspec model: pure data, no backend, no click or rich.

Mirrors ``flux.job.Jobspec``, ``flux.job.JobspecV1`` and ``flux.job.JobID``.
"""

from .conf import BatchConfig
from .jobid import JobID, id_encode, id_parse
from .jobspec import Jobspec
from .loading import validate_jobspec
from .v1 import JobspecV1

__all__ = [
    "BatchConfig",
    "JobID",
    "Jobspec",
    "JobspecV1",
    "id_encode",
    "id_parse",
    "validate_jobspec",
]
