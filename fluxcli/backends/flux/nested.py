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
    """Wait for the job's ``uri`` memo, then for the instance to finish starting (rc1)."""
    for event in backend.events([jobid]):
        uri = event.context.get("uri") if event.name == "memo" else None
        if uri:
            uri = reachable_uri(uri)
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
            return uri
        if event.name == "clean":
            break
    raise BackendError(f"{backend.format_id(jobid)}: the job ended before its instance was ready")
