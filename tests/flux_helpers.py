"""A real Flux instance for tests: ``flux start --test-size=N`` while the tests need it.

Flux is found on PATH or under $FX_FLUX_PREFIX (e.g. /opt/flux, where
``make install`` put flux-core); without it the Flux tests are skipped with
the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time

from fluxcli.backends.flux import bindings


def flux_missing() -> str | None:
    """Why the Flux tests cannot run here (None when they can)."""
    if bindings.flux_command() is None:
        return "flux is not installed (not on PATH; set FX_FLUX_PREFIX to its prefix)"
    from fluxcli.backends.flux.backend import FluxBackend

    reason = FluxBackend.unavailable()
    return f"the Flux backend cannot run: {reason}" if reason else None


class FluxInstance:
    """``flux start --test-size=size``, kept alive by its initial program until ``stop()``."""

    def __init__(self, size: int = 2):
        self.tmp = tempfile.mkdtemp(prefix="fxflux-")
        urifile = os.path.join(self.tmp, "uri")
        script = f'printf %s "$FLUX_URI" > {urifile}.new && mv {urifile}.new {urifile}; exec cat'
        self.proc = subprocess.Popen(
            [bindings.flux_command(), "start", f"--test-size={size}", "sh", "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.tmp, "log"), "wb"),
            start_new_session=True,
        )
        deadline = time.time() + 60
        while not os.path.exists(urifile):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"flux start failed: {self.log()}")
            time.sleep(0.05)
        with open(urifile) as handle:
            self.uri = handle.read()

    def log(self) -> str:
        with open(os.path.join(self.tmp, "log"), errors="replace") as handle:
            return handle.read()[-2000:]

    def env(self) -> dict:
        """The environment of a command run inside the instance."""
        prefix = os.path.dirname(os.path.dirname(os.path.realpath(bindings.flux_command())))
        path = f"{os.environ.get('PATH', '')}:{os.path.join(prefix, 'bin')}"
        return {"FLUX_URI": self.uri, "PATH": path}

    def stop(self) -> None:
        """End the initial program (the instance shuts down); kill it if it does not."""
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def rerun_on_flux(namespace: dict, reasons: dict[str, str]) -> None:
    """Make a module that imported another's tests run them inside a real Flux instance.

    Adds the module's fixtures (every test inside the instance, with FLUX_URI set;
    ``handle`` on it) and replaces the imported tests named in ``reasons`` by
    skipped ones saying why (marking the imported functions would skip them in
    their own module too).
    """
    import pytest

    @pytest.fixture(scope="module", autouse=True)
    def _inside_flux(on_flux):
        yield

    @pytest.fixture(scope="module")
    def handle(flux_handle):
        return flux_handle

    namespace.update(_inside_flux=_inside_flux, handle=handle)

    for name, reason in reasons.items():
        assert name in namespace, name

        @pytest.mark.skip(reason=f"not on Flux: {reason}")
        def skipped() -> None:
            pass

        skipped.__name__ = name
        namespace[name] = skipped
