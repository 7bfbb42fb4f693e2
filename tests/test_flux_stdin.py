"""tests/test_stdin.py on a real Flux instance: the commands with FLUX_URI set (skipped without Flux)."""

from __future__ import annotations

from flux_helpers import rerun_on_flux
from test_stdin import *  # noqa: F403

rerun_on_flux(
    globals(),
    {
        "test_a_job_that_never_reads_stdin_holds_back_only_its_feeder": (
            'Flux keeps stdin in the KVS and refuses more than 10M ("stdin exceeds 10M limit")'
        ),
        "test_stdin_to_a_job_that_stops_reading_does_not_hang": (
            'Flux keeps stdin in the KVS and refuses more than 10M ("stdin exceeds 10M limit")'
        ),
    },
)
