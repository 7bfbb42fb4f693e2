"""Backends: selection by name or URI. Commands never branch on backend names."""

from __future__ import annotations

import importlib
import os

from fluxcli.errors import BackendError

from .base import Backend

BACKENDS = {"local": "fluxcli.backends.local.backend:LocalBackend"}


def backend_class(name: str) -> type[Backend]:
    """The backend class registered as ``name``."""
    try:
        module, _, attr = BACKENDS[name].partition(":")
    except KeyError:
        known = ", ".join(sorted(BACKENDS))
        raise BackendError(f"backend '{name}' is not available (available: {known})")
    return getattr(importlib.import_module(module), attr)


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
