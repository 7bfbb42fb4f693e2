"""The reference scenarios (tests/reference/) beside a live flux-core: both sides now.

Runs when a flux-core build is found ($FX_FLUX_PREFIX/bin/flux, /opt/flux/bin/flux or
``flux`` on PATH): each scenario is run under ``flux start --test-size=1`` and with our tools,
and each command line's masked stdout, stderr and exit status must be equal. (The replay of
the recorded reference in test_reference_replay.py needs no flux.)
"""

from __future__ import annotations

import pytest
from reference import find_flux
from test_reference_replay import CASES, SCENARIOS, assert_same, run_ours

FLUX = find_flux()
pytestmark = pytest.mark.skipif(FLUX is None, reason="no flux-core build to compare with")


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(flux's, ours) results per scenario, each scenario run once."""
    done: dict[str, tuple] = {}

    def results(name: str) -> tuple[dict, dict]:
        if name not in done:
            scenario = SCENARIOS[name]
            flux = scenario.run_flux(FLUX, tmp_path_factory.mktemp(f"flux-{name}"))
            done[name] = (flux, run_ours(scenario, tmp_path_factory.mktemp(f"ours-{name}")))
        return done[name]

    return results


@pytest.mark.parametrize(("name", "step"), CASES)
def test_same_output_as_flux(both, name, step):
    flux, ours = both(name)
    assert_same(ours[step], flux[step])
