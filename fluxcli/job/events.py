"""Eventlog entries, job exceptions and the main event names (RFC 21)."""

from __future__ import annotations

import json

from fluxcli.jobspec.status import MAIN_EVENTS  # noqa: F401 - part of this module's API


class EventLogEvent(dict):
    """One eventlog entry: ``name``, ``timestamp`` and ``context``."""

    def __init__(self, event: str | dict):
        if isinstance(event, str):
            event = json.loads(event)
        super().__init__(event)
        self.setdefault("context", {})

    @property
    def name(self) -> str:
        return self["name"]

    @property
    def timestamp(self) -> float:
        return self["timestamp"]

    @property
    def context(self) -> dict:
        return self["context"]

    @property
    def context_string(self) -> str:
        """Compact JSON of the context (sorted keys), or "" when empty."""
        if not self.context:
            return ""
        return json.dumps(self.context, separators=(",", ":"), sort_keys=True)

    def __str__(self) -> str:
        return f"{self.timestamp:<0.5f}: {self.name} {self.context}"


class JobException(Exception):
    """A fatal job exception seen while waiting on a job."""

    def __init__(self, event: EventLogEvent):
        self.timestamp = event.timestamp
        self.type = event.context.get("type")
        self.note = event.context.get("note", "")
        self.severity = event.context.get("severity")
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"job.exception: type={self.type}: {self.note}"
