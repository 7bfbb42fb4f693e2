"""The contract suite (contract.py) on every registered backend that can run here."""

from __future__ import annotations

import pytest
from contract import *  # noqa: F403  (the suite's tests)

from fluxcli.backends import BACKENDS, backend_class, open_backend


def available() -> list:
    params = []
    for name in sorted(BACKENDS):
        reason = backend_class(name).unavailable()
        params.append(
            pytest.param(name, marks=pytest.mark.skipif(bool(reason), reason=reason or ""))
        )
    return params


@pytest.fixture(params=available(), scope="module")
def backend(request):
    opened = open_backend(request.param)
    yield opened
    opened.close()
