"""Our side of the reference scenarios against the recorded reference: always runs (no flux).

tests/data/reference/NAME.json holds what the real flux-core printed for each command line of
scenario NAME (tests/reference/NAME.py), recorded by tools/record-reference; here the same jobs
are submitted to a private local instance, the same command lines are run with fxsub, fxjobs,
fxcancel, fx job and fxwatch, and each one's masked stdout, stderr and exit status must equal
the recording's.
"""

from __future__ import annotations

import pytest
from conftest import BIN, stop_instance
from reference import load_scenarios

SCENARIOS = load_scenarios()
CASES = [(name, step) for name, scenario in SCENARIOS.items() for step in scenario.steps]


def run_ours(scenario, base) -> dict[str, dict]:
    """``scenario`` run with our tools against a private instance (stopped afterwards)."""
    env = {"FX_STATE_DIR": str(base / "state"), "PATH": f"{BIN}:/usr/bin:/bin"}
    try:
        return scenario.run_ours(base, env)
    finally:
        stop_instance(base / "state")


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    """Our results per scenario, each scenario run once (when its first case needs it)."""
    done: dict[str, dict] = {}

    def results(name: str) -> dict[str, dict]:
        if name not in done:
            done[name] = run_ours(SCENARIOS[name], tmp_path_factory.mktemp(f"replay-{name}"))
        return done[name]

    return results


@pytest.mark.parametrize("name", SCENARIOS)
def test_recording_matches_the_scenario(name):
    scenario = SCENARIOS[name]
    recording = scenario.recording()
    stale = f"tests/data/reference/{name}.json is stale: run tools/record-reference {name}"
    assert recording["setup"] == scenario.setup, stale
    assert [step["command"] for step in recording["steps"]] == scenario.steps, stale
    assert recording["flux_core_version"] and recording["recorded"]


@pytest.mark.parametrize(("name", "step"), CASES)
def test_same_as_the_recorded_reference(ours, name, step):
    recorded = {s["command"]: s for s in SCENARIOS[name].recording()["steps"]}[step]
    assert_same(ours(name)[step], recorded)


def assert_same(ours: dict, reference: dict) -> None:
    """Our stdout, stderr and exit status are the reference's (each compared apart)."""
    assert ours["stdout"] == reference["stdout"]
    assert ours["stderr"] == reference["stderr"]
    assert ours["rc"] == reference["rc"]
