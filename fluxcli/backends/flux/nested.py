"""The nested Flux instance a job runs (fxbatch, fxalloc): its URI once it is ready."""

from __future__ import annotations

import platform

from fluxcli.errors import BackendError


def reachable_uri(memo_uri: str) -> str:
    """The instance's URI as this host reaches it: ``local://`` when it runs here."""
    from flux.uri import JobURI

    uri = JobURI(memo_uri)
    if uri.scheme == "ssh" and uri.netloc == platform.uname()[1]:
        return uri.local
    return str(uri)


def wait_instance(backend, jobid: int) -> str:
    """Wait for the job's ``uri`` memo, then for the instance to finish starting (rc1).

    Returns the URI as the job posted it (``ssh://host/path``, as ``flux uri``
    prints it); ``reachable_uri()`` gives the ``local://`` form on its host.
    """
    for event in backend.events([jobid]):
        posted = event.context.get("uri") if event.name == "memo" else None
        if posted:
            uri = reachable_uri(posted)
            try:
                child = backend.flux.Flux(uri)
            except OSError as exc:
                raise BackendError(f"cannot connect to {uri}: {exc.strerror or exc}") from None
            try:
                child.rpc("state-machine.wait").get()
            except OSError:
                raise BackendError(f"{backend.format_id(jobid)}: instance startup failed") from None
            finally:
                del child
            return posted  # as the job posted it, as flux uri prints it
        if event.name == "clean":
            break
    raise BackendError(f"{backend.format_id(jobid)}: the job ended before its instance was ready")
