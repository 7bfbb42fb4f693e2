"""Finding flux-core's Python bindings: importable as is, or in the prefix of the ``flux`` command.

Flux installs its bindings under its own prefix (``PREFIX/lib/flux/pythonX.Y``),
built (cffi) for one Python version; they also need ``_cffi_backend`` and
``ply``, which a virtual environment may lack while the Python Flux was built
for (its ``flux pythonX.Y`` wrapper) has them. Those directories are appended
after ours, so nothing this environment provides is shadowed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

_state: dict = {}  # "module": the imported flux package, or "error": why not
_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"


def flux_command() -> str | None:
    """The ``flux`` command: under $FX_FLUX_PREFIX, else on PATH."""
    prefix = os.environ.get("FX_FLUX_PREFIX")
    if prefix:
        path = os.path.join(prefix, "bin", "flux")
        return path if os.access(path, os.X_OK) else None
    return shutil.which("flux")


def flux_bindir() -> str | None:
    """The directory of the ``flux`` command (None when it is not found)."""
    flux = flux_command()
    return os.path.dirname(os.path.realpath(flux)) if flux else None


def _bindings_dir(flux: str) -> str | None:
    """Where the bindings for this Python live in the prefix of ``flux``."""
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(flux)))
    path = os.path.join(prefix, "lib", "flux", _PYTHON)
    if os.path.isdir(path):
        return path
    try:  # a relocated installation: ask it
        env = subprocess.run([flux, "env"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in env.splitlines():
        if line.startswith("export PYTHONPATH="):
            for entry in line.split("=", 1)[1].strip('"').split(":"):
                if entry.endswith(_PYTHON) and os.path.isdir(entry):
                    return entry
    return None


def _flux_python_path(flux: str) -> list[str]:
    """The module path of the Python Flux was built for (its ``flux pythonX.Y`` wrapper)."""
    code = "import sys; print('\\n'.join(p for p in sys.path if p))"
    try:
        out = subprocess.run(
            [flux, _PYTHON, "-c", code], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [p for p in out.splitlines() if os.path.isdir(p)]


def _import():
    if "flux" in sys.modules and not getattr(sys.modules["flux"], "__file__", None):
        # the stand-in fluxcli's plugin loader installs for Flux plugin files
        # (``from flux.cli.plugin import CLIPlugin``) when Flux was not importable
        _forget_failed_imports()
    import flux
    import flux.job  # noqa: F401 - the part the backend uses

    return flux


def load():
    """The ``flux`` package, imported (raises ImportError with one clear line if it cannot be)."""
    if "module" in _state:
        return _state["module"]
    if "error" in _state:
        raise ImportError(_state["error"])
    try:
        _state["module"] = _find()
    except ImportError as exc:
        _state["error"] = str(exc)
        raise
    return _state["module"]


def _find():
    try:
        return _import()
    except ImportError:
        pass
    flux = flux_command()
    if flux is None:
        where = "FX_FLUX_PREFIX/bin" if os.environ.get("FX_FLUX_PREFIX") else "PATH"
        raise ImportError(f"the Flux Python bindings are not importable and no flux is on {where}")
    bindings = _bindings_dir(flux)
    if bindings is None:
        raise ImportError(f"{flux} has no Python bindings for {_PYTHON}")
    _forget_failed_imports()
    sys.path.insert(0, bindings)
    try:
        return _import()
    except ImportError as exc:
        first = exc
    _forget_failed_imports()
    sys.path.extend(p for p in _flux_python_path(flux) if p not in sys.path)
    try:
        return _import()
    except ImportError as exc:
        missing = getattr(exc, "name", None) or getattr(first, "name", None) or str(exc)
        raise ImportError(
            f"the Flux Python bindings in {bindings} cannot be imported: "
            f"module '{missing}' is missing (install cffi and ply for this Python)"
        ) from None


def _forget_failed_imports() -> None:
    """Drop ``flux``/``_flux`` modules a failed import (or a stand-in) left behind."""
    for name in [
        n for n in sys.modules if n in ("flux", "_flux") or n.startswith(("flux.", "_flux."))
    ]:
        del sys.modules[name]
