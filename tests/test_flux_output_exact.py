"""tests/test_output_exact.py on a real Flux instance: the commands with FLUX_URI set (skipped without Flux)."""

from __future__ import annotations

import pytest
from test_output_exact import *  # noqa: F403


@pytest.fixture(scope="module", autouse=True)
def _inside_flux(on_flux):
    yield


@pytest.fixture(scope="module")
def handle(flux_handle):
    return flux_handle
