"""The contract suite (contract.py) on every registered backend that can run here.

The Flux backend runs it against a real ``flux start --test-size=2`` (see
tests/flux_helpers.py), skipped with the reason when Flux is not installed.
"""

from __future__ import annotations

import pytest
from contract import *  # noqa: F403  (the suite's tests)

from fluxcli.backends import BACKENDS, backend_class, open_backend


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
    return params


@pytest.fixture(params=available(), scope="module")
def backend(request):
    if request.param == "flux":
        instance = request.getfixturevalue("flux_instance")
        opened = open_backend("flux", f"flux:{instance.uri}")
    else:
        opened = open_backend(request.param)
    yield opened
    opened.close()
