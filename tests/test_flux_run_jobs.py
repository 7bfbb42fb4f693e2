"""tests/test_run_jobs.py on a real Flux instance: the commands with FLUX_URI set (skipped without Flux)."""

from __future__ import annotations

from flux_helpers import rerun_on_flux
from test_run_jobs import *  # noqa: F403

rerun_on_flux(
    globals(),
    {
        "test_job_eventlogs_follow_rfc21": (
            "flux-core 0.88's shell posts one shell.task-exit (the first task's), not one per task"
        ),
        "test_unsatisfiable_request": (
            "the message names the instance's own cores (4 on a test-size=2 instance here)"
        ),
        "test_backfill_uses_time_limits": ("flux start's sched-simple does not backfill"),
        "test_fxbatch_runs_in_nested_instance": (
            "checks FX_URI and the local instance's slots; Flux's nested instance sets FLUX_URI (tests/test_flux_commands.py covers fxbatch)"
        ),
        "test_fxalloc_command_and_bg": (
            "reads the memo's ssh:// URI into FX_URI; tests/test_flux_commands.py runs the same with flux:URI"
        ),
        "test_instance_status": ("fx instance manages the local instance only"),
        "test_gpus_are_scheduled_and_exported": ("a test instance has no GPUs"),
    },
)
