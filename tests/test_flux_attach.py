"""tests/test_attach.py on a real Flux instance: the commands with FLUX_URI set (skipped without Flux)."""

from __future__ import annotations

from flux_helpers import rerun_on_flux
from test_attach import *  # noqa: F403

rerun_on_flux(
    globals(),
    {
        "test_status_line_while_pending": (
            "fills the local instance's cores to keep a job pending"
        ),
        "test_fxalloc_interactive_shell_on_a_terminal": (
            "on Flux, flux job attach carries the pty and says its own words; tests/test_flux_commands.py runs fxalloc on a terminal there"
        ),
    },
)
