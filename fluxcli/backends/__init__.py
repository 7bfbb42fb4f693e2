"""Backends: selection by name or URI. Commands never branch on backend names."""

from __future__ import annotations

import importlib
import os

from fluxcli.errors import BackendError

from .contract import Backend

BACKENDS = {
    "local": "fluxcli.backends.local.backend:LocalBackend",
    "flux": "fluxcli.backends.flux.backend:FluxBackend",
    "slurm": "fluxcli.backends.slurm.backend:SlurmBackend",
}
# where the contract's documentation lives: every backend in BACKENDS passes
# tests/backends/contract.py


ENTRY_POINT_GROUP = "fluxcli.backends"


def backend_class(name: str) -> type[Backend]:
    """The backend class registered as ``name``: built-ins first, then installed packages.

    A package adds a backend with an entry point in the ``fluxcli.backends``
    group (``name = package.module:Class``); entry points are read only when
    the name is not a built-in.
    """
    if name in BACKENDS:
        module, _, attr = BACKENDS[name].partition(":")
        return getattr(importlib.import_module(module), attr)
    from fluxcli.entrypoints import find_entry_points

    installed = {ep.name: ep for ep in find_entry_points(ENTRY_POINT_GROUP)}
    if name in installed:
        try:
            cls = installed[name].load()
        except Exception as exc:
            raise BackendError(f"backend '{name}' failed to load: {type(exc).__name__}: {exc}")
        if not (isinstance(cls, type) and issubclass(cls, Backend)):
            raise BackendError(
                f"backend '{name}' ({installed[name].value}) is not a Backend subclass"
            )
        return cls
    known = ", ".join(sorted(set(BACKENDS) | set(installed)))
    raise BackendError(f"backend '{name}' is not available (available: {known})")


def _scheme(uri: str) -> str:
    """The backend a URI names: ``slurm:``, ``slurm://cluster``, ``flux:local:///run/flux/local``;
    a bare path is local."""
    head, sep, _ = uri.partition(":")
    return head if sep and head.isidentifier() else "local"


def _usable(name: str) -> bool:
    try:
        return backend_class(name).unavailable() is None
    except BackendError:
        return False


def select(name: str | None = None, uri: str | None = None) -> tuple[str, str | None]:
    """Pick a backend and its URI.

    In order: ``name`` (``--backend``), the scheme of ``uri``, $FX_BACKEND, the
    scheme of $FX_URI, then Flux when $FLUX_URI is set and a Flux backend is usable,
    else the local instance. $FLUX_URI is never taken for a local socket: a
    real Flux instance also speaks ``local://``; fluxcli's own nested
    instances set $FX_URI for the jobs they run.
    """
    if not name and not uri:  # nothing explicit: the environment's choice
        name = os.environ.get("FX_BACKEND") or None
        uri = os.environ.get("FX_URI") or None
    elif not uri:
        uri = os.environ.get("FX_URI") or None
    if name:
        return name, uri if uri and _scheme(uri) == name else None
    if uri:
        return _scheme(uri), uri
    if os.environ.get("FLUX_URI") and _usable("flux"):
        return "flux", os.environ["FLUX_URI"]
    return "local", None


def open_backend(name: str | None = None, uri: str | None = None) -> Backend:
    """Open the selected backend."""
    name, uri = select(name, uri)
    cls = backend_class(name)
    reason = cls.unavailable()
    if reason:
        raise BackendError(f"backend '{name}' cannot run here: {reason}")
    return cls(uri)


def local_admin():
    """Start, stop and status of the per-user local instance (what ``fx instance`` manages)."""
    from .local import admin

    return admin


__all__ = ["BACKENDS", "Backend", "backend_class", "open_backend", "select", "local_admin"]
