"""fluxcli: Flux-style job submission tools and a ``flux.job``-like Python API."""

__version__ = "0.1.0"
