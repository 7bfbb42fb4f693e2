"""Handles: a connection to one backend, shared by API calls (like ``flux.Flux()``)."""

from __future__ import annotations

import errno
import threading

from fluxcli import settings
from fluxcli.backends import open_backend
from fluxcli.backends.contract import Backend


class Handle:
    """A connection to a backend picked by name, URI or environment.

    ``fluxcli.open()`` returns one; pass it to the ``fluxcli.job`` functions.
    """

    def __init__(self, uri: str | None = None, backend: str | None = None):
        settings.check()  # a bad FX_* value is one clear error, not an instance that won't start
        self.backend: Backend = open_backend(backend, uri)
        self.lock = threading.Lock()

    def close(self) -> None:
        """Close the backend connection."""
        self.backend.close()

    def __enter__(self) -> Handle:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open(uri: str | None = None, backend: str | None = None) -> Handle:  # noqa: A001
    """Open a handle to the selected backend (local instance by default)."""
    return Handle(uri, backend)


_default: Handle | None = None


def resolve(handle: Handle | None) -> Handle:
    """``handle`` itself; OSError(EINVAL) for None or a foreign object, as ``flux.job`` does."""
    if handle is None:
        raise OSError(errno.EINVAL, "flux_handle must not be None")
    if not isinstance(handle, Handle):
        raise OSError(errno.EINVAL, "flux_handle must be a fluxcli Handle")
    return handle


def default_handle() -> Handle:
    """A process-wide handle on the selected backend, opened on first use (for ``aio``)."""
    global _default
    if _default is None:
        _default = Handle()
    return _default
