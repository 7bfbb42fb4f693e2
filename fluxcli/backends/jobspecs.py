"""A jobspec as a backend receives it (JSON text, a dict, or a Jobspec) in the form it needs."""

from __future__ import annotations

import json


def jobspec_text(jobspec) -> str:
    """The jobspec as compact JSON text."""
    if isinstance(jobspec, str):
        return jobspec
    if isinstance(jobspec, dict):
        return json.dumps(jobspec, separators=(",", ":"))
    return jobspec.dumps()


def jobspec_dict(jobspec) -> dict:
    """The jobspec as a dict."""
    if isinstance(jobspec, dict):
        return jobspec
    if isinstance(jobspec, str):
        return json.loads(jobspec)
    return jobspec.jobspec
