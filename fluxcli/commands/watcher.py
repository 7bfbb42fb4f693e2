"""``--wait`` / ``--watch`` / ``--wait-event`` for fxsub and fxbulksubmit."""

from __future__ import annotations

import json
import threading
import time

from .status import Outcome


class JobWatcher:
    """Follows many jobs' eventlogs (and output with --watch); exit code = the worst job's."""

    def __init__(self, inv, submitted, start: float | None = None):
        self.inv = inv
        self.ns = inv.ns
        self.jobs = {int(jobid): (jobid, out, err) for jobid, out, err in submitted}
        self.outcomes = {jid: Outcome() for jid in self.jobs}
        self.start = time.time() if start is None else start
        self.wait_event = self.ns.wait_event or "clean"
        self.lock = threading.Lock()
        self.progress = None

    def run(self) -> int:
        backend = self.inv.handle.backend
        threads = []
        if self.ns.watch:
            threads.append(threading.Thread(target=self._watch_output, daemon=True))
        if self.ns.progress:
            from fluxcli.views.progress import ProgressView

            self.progress = ProgressView(len(self.jobs), jps=self.ns.jps)
        for thread in threads:
            thread.start()
        exec_wait = self.wait_event.startswith("exec.")
        done: set[int] = set()
        log = "exec" if exec_wait else "eventlog"
        if exec_wait:
            self._follow_main_in_background(backend)
        for entry in backend.events(list(self.jobs), log):
            jobid, event = entry.jobid, entry.to_dict()
            if jobid in done:
                continue
            if not exec_wait:
                self._on_event(jobid, event)
            name = f"exec.{event['name']}" if exec_wait else event["name"]
            if name == self.wait_event or event["name"] == "clean":
                done.add(jobid)
                self._final(jobid)
        for thread in threads:
            thread.join()
        if self.progress:
            self.progress.stop()
        return max((o.exit_code for o in self.outcomes.values()), default=0)

    def _follow_main_in_background(self, backend) -> None:
        def follow():
            for entry in backend.events(list(self.jobs)):
                self._on_event(entry.jobid, entry.to_dict())

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()

    def _on_event(self, jobid: int, event: dict) -> None:
        outcome = self.outcomes[jobid]
        outcome.update(event)
        jid, out, err = self.jobs[jobid]
        if self.ns.verbose > 1:
            context = (
                json.dumps(event.get("context", {}), separators=(",", ":"))
                if event.get("context")
                else ""
            )
            print(
                f"{jid}: {event['timestamp'] - self.start:4.3f}s: {event['name']} {context}".rstrip(),
                file=err,
                flush=True,
            )
        if (
            event["name"] == "exception"
            and event.get("context", {}).get("severity") == 0
            and not outcome.started
        ):
            ctx = event["context"]
            print(
                f"job.exception: type={ctx['type']} severity=0 {ctx.get('note', '')}".rstrip(),
                file=err,
                flush=True,
            )
        if self.progress:
            self.progress.update(event["name"], event.get("context", {}))

    def _final(self, jobid: int) -> None:
        if self.ns.verbose:
            jid, out, err = self.jobs[jobid]
            outcome = self.outcomes[jobid]
            code = outcome.exit_code
            word = "complete" if code == 0 else "failed"
            print(
                f"{jid}: {time.time() - self.start:4.3f}s: {word}: status={code}",
                file=err,
                flush=True,
            )

    def _watch_output(self) -> None:
        from fluxcli.views.output import OutputCopier

        backend = self.inv.handle.backend
        copiers: dict[int, OutputCopier] = {}
        for chunk in backend.output(list(self.jobs)):
            jid, out, err = self.jobs[chunk.jobid]
            if chunk.jobid not in copiers:
                copiers[chunk.jobid] = OutputCopier(
                    out, err, label=self.ns.label_io, prefix=f"{jid}: " if self.ns.label_io else ""
                )
            copiers[chunk.jobid].write(chunk)
