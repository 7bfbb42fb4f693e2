"""The one place the commands run plugin hooks: preinit → build → modify_jobspec → validate.

A command hands ``build_jobs`` a function that makes its jobspecs from the
options namespace (through ``fluxcli.jobspec.recipes``); plugins see the
namespace as parsed (after their own ``preinit``), each copy's namespace
for ``modify_jobspec``, and every finished jobspec for ``validate`` (which
runs only when something will be submitted, never for ``--dry-run``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from fluxcli.errors import FluxcliError

from .base import Invocation


@dataclass
class Copy:
    """One job to submit: its ``--cc`` id (None alone), the options it was built from, its jobspec."""

    cc: int | None
    ns: SimpleNamespace
    jobspec: Any

    @property
    def label(self) -> str:
        """``cc=3: `` in front of this copy's error messages (empty for a single job)."""
        return f"cc={self.cc}: " if self.cc is not None else ""


def build_jobs(inv: Invocation, make: Callable[[SimpleNamespace], list[Copy]]) -> list[Copy]:
    """Run preinit, ``make`` (the recipes), modify_jobspec and (unless --dry-run) validate."""
    registry = inv.registry
    registry.preinit(inv.ns)
    copies = make(inv.ns)
    for copy in copies:
        registry.modify_jobspec(copy.ns, copy.jobspec)
        # FLUX_JOB_CC is set after the plugins ran, as Flux does (not with --bcc)
        if copy.cc is not None and copy.ns.cc:
            copy.jobspec.environment["FLUX_JOB_CC"] = str(copy.cc)
    if not inv.ns.dry_run:
        for copy in copies:
            try:
                registry.validate(copy.jobspec)
            except (ValueError, TypeError) as exc:
                raise FluxcliError(f"{copy.label}{exc}") from None
    return copies


def single(inv: Invocation, recipe: Callable[[SimpleNamespace], Any]) -> Any:
    """``build_jobs`` for a command that submits exactly one job; its jobspec."""
    return build_jobs(inv, lambda ns: [Copy(None, ns, recipe(ns))])[0].jobspec
