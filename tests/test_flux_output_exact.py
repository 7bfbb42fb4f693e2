"""tests/test_output_exact.py on a real Flux instance: the commands with FLUX_URI set (skipped without Flux)."""

from __future__ import annotations

from flux_helpers import rerun_on_flux
from test_output_exact import *  # noqa: F403

rerun_on_flux(
    globals(),
    {
        "test_binary_output_round_trips_everywhere": ("reads the local instance's store"),
        "test_utf8_split_by_the_read_boundary_stays_text": ("reads the local instance's store"),
        "test_fxrun_fails_when_it_could_not_read_all_of_the_output": (
            "2,000,000 lines through Flux's KVS output eventlog take minutes"
        ),
    },
)
