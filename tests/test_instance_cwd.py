"""The instance a command starts runs the installed fluxcli, never code from the
directory the command happens to run in, and does not hold that directory."""

from __future__ import annotations

import os

from conftest import _pid, stop_instance


def test_a_fluxcli_package_in_the_current_directory_is_not_run(tmp_path, run):
    planted = tmp_path / "cwd"
    package = planted / "fluxcli" / "backends" / "local"
    package.mkdir(parents=True)
    for level in (planted / "fluxcli", planted / "fluxcli" / "backends", package):
        (level / "__init__.py").write_text("")
    marker = tmp_path / "ran"
    (package / "daemon.py").write_text(f"open({str(marker)!r}, 'w').write('planted')\n")
    state = tmp_path / "state"
    try:
        proc = run("fxsub", "true", env={"FX_STATE_DIR": str(state)}, cwd=planted)
        assert not marker.exists(), "the instance ran code from the current directory"
        assert proc.returncode == 0, proc.stderr
        # nor does it keep the directory it was started from (a mount point, say) busy
        assert os.readlink(f"/proc/{_pid(state)}/cwd") == "/"
    finally:
        stop_instance(state)


def test_a_relative_state_directory_still_works(tmp_path, run):
    state = tmp_path / "state"
    try:
        proc = run("fxrun", "echo", "ok", env={"FX_STATE_DIR": "state"}, cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (0, "ok\n"), proc.stderr
        assert run("fxjobs", "-a", env={"FX_STATE_DIR": str(state)}).stdout.count("echo") == 1
    finally:
        stop_instance(state)
