"""The contract suite (contract.py) on every registered backend that can run here.

The Flux backend runs it against a real ``flux start --test-size=2`` (see
tests/flux_helpers.py), skipped with the reason when Flux is not installed.
Slurm runs twice where CI brings up its second cluster, the one without
accounting ($FX_SLURM_NOACCT_CONF, from tools/slurm-up --no-accounting): the
final state must be right from squeue alone.
"""

from __future__ import annotations

import os

import pytest
from contract import *  # noqa: F403  (the suite's tests)

from fluxcli.backends import BACKENDS, backend_class, open_backend

NOACCT = "slurm-noaccounting"


def _noacct_reason() -> str | None:
    conf = os.environ.get("FX_SLURM_NOACCT_CONF")
    if not conf:
        return "FX_SLURM_NOACCT_CONF is not set (tools/slurm-up --no-accounting prints it)"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLURM_CONF", conf)
        return backend_class("slurm").unavailable()


def available() -> list:
    params = []
    for name in sorted(BACKENDS):
        reason = backend_class(name).unavailable()
        if name == "flux" and not reason:
            from flux_helpers import flux_missing

            reason = flux_missing()
        params.append(
            pytest.param(name, marks=pytest.mark.skipif(bool(reason), reason=reason or ""))
        )
    reason = _noacct_reason()
    params.append(pytest.param(NOACCT, marks=pytest.mark.skipif(bool(reason), reason=reason or "")))
    return params


@pytest.fixture(params=available(), scope="module")
def backend(request):
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "flux":
            instance = request.getfixturevalue("flux_instance")
            opened = open_backend("flux", f"flux:{instance.uri}")
        elif request.param == NOACCT:
            patch.setenv("SLURM_CONF", os.environ["FX_SLURM_NOACCT_CONF"])
            opened = open_backend("slurm")
        else:
            opened = open_backend(request.param)
        yield opened
        opened.close()
