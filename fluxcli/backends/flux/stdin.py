"""Input to a running job's tasks through its job shell's stdin service (as flux job attach)."""

from __future__ import annotations

from fluxcli.errors import BackendError

from ..iodata import encode_data


class StdinWriter:
    """Writes to jobs' stdin on a handle of its own (the contract's stdin channel)."""

    def __init__(self, flux, uri: str):
        self.flux = flux
        self.uri = uri
        self.handle = flux.Flux(uri)
        self.shells: dict[int, tuple[str, int]] = {}  # jobid: (service, leader rank)
        self.ntasks: dict[int, int] = {}  # jobid: its number of tasks (from shell.start)

    def _shell(self, jobid: int) -> tuple[str, int]:
        """The job shell's service name and rank, from its ``shell.init`` event."""
        if jobid not in self.shells:
            from .watch import watch_events

            for event in watch_events(self.flux, self.uri, [jobid], "exec", True, str):
                context = event.context
                if event.name == "shell.init":
                    self.shells[jobid] = (context["service"], int(context["leader-rank"]))
                elif event.name == "shell.start":
                    self.ntasks[jobid] = _ntasks(context.get("taskmap") or {})
                    break
            if jobid not in self.shells:
                raise BackendError(f"job {jobid} ended before its shell accepted input")
        return self.shells[jobid]

    def write(self, jobid: int, data: bytes | None, ranks: list[int] | None) -> None:
        """Send ``data`` (None: end of input) to ``ranks`` (None: every task)."""
        from fluxcli.jobspec.idset import encode_idset

        first = jobid not in self.shells
        service, leader = self._shell(jobid)
        if first and ranks is not None:
            # the other tasks get no input: their stdin ends now (as flux job attach does)
            others = sorted(set(range(self.ntasks.get(jobid, 0))) - set(ranks))
            if others:
                self._send(
                    service, leader, {"stream": "stdin", "rank": encode_idset(others), "eof": True}
                )
        payload: dict = {"stream": "stdin", "rank": "all" if ranks is None else encode_idset(ranks)}
        if data is None:
            payload["eof"] = True
        else:
            payload.update(encode_data(data))
        self._send(service, leader, payload)

    def _send(self, service: str, leader: int, payload: dict) -> None:
        try:
            self.handle.rpc(f"{service}.stdin", payload, nodeid=leader).get()
        except OSError as exc:
            raise BackendError(f"stdin not accepted by job: {exc.strerror or exc}") from None


def _ntasks(taskmap: dict) -> int:
    """The number of tasks of an RFC 34 task map (blocks of nodes x tasks, repeated)."""
    return sum(block[1] * block[2] * block[3] for block in taskmap.get("map", []))
