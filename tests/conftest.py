"""Test isolation: a private instance state directory, no user plugins, plain output."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATA = Path(__file__).parent / "data"
# the main eventlog of a job that ran to completion (RFC 21)
MAIN_SEQUENCE = [
    "submit",
    "validate",
    "depend",
    "priority",
    "alloc",
    "start",
    "finish",
    "release",
    "free",
    "clean",
]

# the nine programs a user runs (each has --version and a man page)
NINE_TOOLS = "fxsub fxrun fxbatch fxalloc fxbulksubmit fxwatch fxjobs fxcancel fx".split()

_session_dir = tempfile.mkdtemp(prefix="fxtest-")
os.environ.update(
    FX_STATE_DIR=os.path.join(_session_dir, "state"),
    XDG_CONFIG_HOME=os.path.join(_session_dir, "config"),
    FX_IDLE_TIMEOUT="120",
    FX_SLURM_POLL="0.1",  # the Slurm backend's poller: fast in tests
    FX_SLURM_POLL_MAX="0.5",
    NO_COLOR="1",
    COLUMNS="100",
    LANG="C.UTF-8",
    PATH=f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
)
for var in ("FX_URI", "FLUX_URI", "FX_BACKEND", "FX_CLI_PLUGINPATH", "FX_CLI_PLUGINPATH_OVERRIDE"):
    os.environ.pop(var, None)


def fx(
    *args: str, input: str | None = None, env: dict | None = None, timeout: float = 60, cwd=None
) -> subprocess.CompletedProcess:
    """Run an installed command (fxsub, fxrun, ...) and capture its output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


@pytest.fixture
def run():
    return fx


@pytest.fixture
def tmp_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def handle():
    import fluxcli

    h = fluxcli.open()
    yield h
    h.close()


@pytest.fixture
def fresh_registry():
    from fluxcli.plugins.registry import CLIPluginRegistry

    CLIPluginRegistry.clear_cache()
    yield
    CLIPluginRegistry.clear_cache()


@pytest.fixture
def private_instance(tmp_path):
    """An instance of its own (state dir under tmp_path), stopped afterwards."""
    state = tmp_path / "state"
    env = {"FX_STATE_DIR": str(state)}
    yield state, env
    stop_instance(state)


@pytest.fixture
def private_fx(private_instance):
    """Run commands against a private instance: ``fx(*args, extra=ENV)`` gives
    (exit code, stdout, stderr)."""
    _, env = private_instance

    def call(*args: str, extra: dict | None = None) -> tuple[int, str, str]:
        proc = fx(*args, env={**env, **(extra or {})})
        return proc.returncode, proc.stdout, proc.stderr

    return call


def submit_ok(call, *args: str) -> str:
    """Submit with fxsub through ``call`` (a ``private_fx``); the job id."""
    code, out, err = call("fxsub", *args)
    assert code == 0, err
    return out.strip()


def stop_instance(state) -> None:
    """Stop an instance and make sure its process is gone."""
    try:
        pid = _pid(state)
    except (OSError, ValueError):
        return
    env = {**os.environ, "FX_STATE_DIR": str(state)}
    subprocess.run([str(BIN / "fx"), "instance", "stop"], env=env, capture_output=True, timeout=30)
    if not exited(pid, 10):
        os.kill(pid, signal.SIGKILL)


def exited(pid: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for process ``pid`` to go away."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def _pid(state) -> int:
    with open(state / "instance.lock") as handle:
        return int(handle.read().strip())


def pytest_sessionfinish(session, exitstatus):
    sock = os.path.join(os.environ["FX_STATE_DIR"], "local.sock")
    if os.path.exists(sock):
        subprocess.run([str(BIN / "fx"), "instance", "stop"], capture_output=True, timeout=30)
    shutil.rmtree(_session_dir, ignore_errors=True)


def load_cases() -> dict:
    return json.loads((DATA / "jobspec-cases.json").read_text())


@pytest.fixture(scope="session")
def flux_instance():
    """A real ``flux start --test-size=2`` for the session (skipped when Flux is missing)."""
    from flux_helpers import FluxInstance, flux_missing

    reason = flux_missing()
    if reason:
        pytest.skip(reason)
    instance = FluxInstance(2)
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def on_flux(flux_instance):
    """Commands of this module run inside the Flux instance (FLUX_URI set, flux found)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in flux_instance.env().items():
            patch.setenv(key, value)
        yield flux_instance


@pytest.fixture(scope="module")
def flux_handle(on_flux):
    """A ``fluxcli.job`` handle on the Flux instance (what ``handle`` is on the local one)."""
    import fluxcli

    h = fluxcli.open(f"flux:{on_flux.uri}", "flux")
    yield h
    h.close()
