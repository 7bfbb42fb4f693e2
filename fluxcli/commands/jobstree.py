"""fxjobs -R: list jobs, then the jobs of each running instance among them, level by level.

As ``flux jobs --recursive``: after a level's lines, each running job of
yours (of anyone's with ``--recurse-all``) that is an instance is opened;
its jobs, selected by the same options, follow a ``\\nPATH:`` line (and
with ``--stats`` a line of counts), down to ``--level`` levels. With
``--json`` an instance's jobs go in its object under ``jobs`` (one level).
An instance that cannot be reached is skipped quietly.
"""

from __future__ import annotations

import os
import sys


class Tree:
    """One recursive listing: the options it was asked with, applied at every level."""

    def __init__(self, backend, selection, formatter, options: dict):
        self.backend = backend
        self.selection = selection
        self.formatter = formatter
        self.recursive = options.get("recursive") or options.get("recurse_all")
        self.recurse_all = options.get("recurse_all")
        self.max_level = options.get("level", 9999)
        self.stats = options.get("stats")
        self.width = options.get("width", -1)
        self.color = options.get("color", False)
        self.instance_fields = any(f.startswith("instance.") for f in formatter.fields)

    def _instance(self, view) -> bool:
        return bool(
            view.uri
            and view.status_abbrev == "R"
            and (self.recurse_all or view.userid == os.getuid())
        )

    def _children(self, view):
        """``(records, stats)`` of the instance ``view`` runs, or None when it cannot be reached."""
        from fluxcli.backends import open_backend

        from .jobselect import fetch

        try:
            child = open_backend(self.backend.name, str(view.uri))
            records, _ = fetch(child, self.selection, [], lambda _: None, lambda _: None)
            stats = child.job_stats() if self.stats else None
            child.close()
        except Exception:  # not up yet, gone, or not ours: skipped as flux jobs does
            return None
        return records, stats

    def views(self, records) -> list:
        """JobViews of ``records`` (JobRecords or JobViews); running instances answer
        ``instance.*`` fields when the format has any."""
        from fluxcli.views.jobfields import Empty, JobView

        views = [
            r if isinstance(r, JobView) else JobView(r, format_id=self.backend.format_id)
            for r in records
        ]
        if self.instance_fields:
            for view in views:
                if view.uri and view.state_single == "R" and isinstance(view.instance, Empty):
                    view.instance = _instance_info(self.backend, view) or view.instance
        return views

    def print(self, records, path: str = "", level: int = 0) -> None:
        """The lines of ``records`` (no header), then each instance's jobs below its path."""
        from fluxcli.views.listing import print_jobs

        printed = print_jobs(self.views(records), self.formatter, True, self.width, self.color)
        if not self.recursive or level == self.max_level:
            return
        for view in [v for v in printed if self._instance(v)]:
            found = self._children(view)
            if found is None:
                continue
            children, stats = found
            here = f"{path}/{view.id.f58}" if path else view.id.f58
            sys.stdout.write(f"\n{here}:\n")
            if stats is not None:
                sys.stdout.write(_counts(stats) + "\n")
            self.print(children, here, level + 1)

    def json(self, records) -> list[dict]:
        """The ``--json`` objects of ``records``, an instance's jobs under its ``jobs`` key."""
        from fluxcli.views.jobfields import JobView

        objects = []
        for record in records:
            view = JobView(record, format_id=self.backend.format_id)
            data = view.to_json()
            if self.recursive and self._instance(view):
                found = self._children(view)
                if found is not None:
                    data["jobs"] = [JobView(r).to_json() for r in found[0]]
            objects.append(data)
        return objects


def _instance_info(backend, view):
    """The InstanceInfo of the instance ``view`` runs (None when it cannot be reached)."""
    from fluxcli.backends import open_backend
    from fluxcli.views.instanceinfo import InstanceInfo

    try:
        child = open_backend(backend.name, str(view.uri))
        try:
            return InstanceInfo(child.job_stats(), child.resource_list())
        finally:
            child.close()
    except Exception:  # not up yet, gone, or cannot tell: the fields stay empty
        return None


def stats_counts(stats) -> tuple[int, int, int, int]:
    """``(running, completed, failed, pending)`` of a JobStats, as flux jobs counts them
    (failed includes canceled and timed out jobs)."""
    count, result = stats.states.get, stats.results.get
    return (
        count("RUN", 0) + count("CLEANUP", 0),
        result("COMPLETED", 0),
        result("FAILED", 0) + result("TIMEOUT", 0) + result("CANCELED", 0),
        count("DEPEND", 0) + count("PRIORITY", 0) + count("SCHED", 0),
    )


def _counts(stats) -> str:
    """The counts line of an instance under ``--stats`` (as flux jobs -R prints it)."""
    running, completed, failed, pending = stats_counts(stats)
    return f"{running} running, {completed} completed, {failed} failed, {pending} pending"
