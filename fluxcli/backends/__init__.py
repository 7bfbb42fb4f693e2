"""Backends: selection by name or URI. Commands never branch on backend names."""

from __future__ import annotations

import importlib
import os

from fluxcli.errors import BackendError

from .contract import Backend

BACKENDS = {"local": "fluxcli.backends.local.backend:LocalBackend"}


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


def select(name: str | None = None, uri: str | None = None) -> tuple[str, str | None]:
    """Pick a backend: explicit name, $FX_BACKEND, $FX_URI's scheme, $FLUX_URI, else local."""
    name = name or os.environ.get("FX_BACKEND")
    uri = uri or os.environ.get("FX_URI")
    if not uri and os.environ.get("FLUX_URI", "").startswith("local://"):
        uri = os.environ["FLUX_URI"]
    if name:
        return name, uri
    if uri:
        scheme = uri.split("://", 1)[0] if "://" in uri else "local"
        return scheme, uri
    if os.environ.get("FLUX_URI"):
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


__all__ = ["BACKENDS", "Backend", "backend_class", "open_backend", "select"]
