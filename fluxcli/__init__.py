"""fluxcli: Flux-style job submission tools and a ``flux.job``-like Python API."""

__version__ = "0.1.0"


def open(uri=None, backend=None):  # noqa: A001 - mirrors flux.Flux()
    """Open a handle to a backend (the embedded local instance by default)."""
    from fluxcli.job.handle import open as _open

    return _open(uri, backend)
