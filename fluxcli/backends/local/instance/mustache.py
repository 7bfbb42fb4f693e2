"""Moved to :mod:`fluxcli.jobspec.templates` (shared by every backend); kept for old imports."""

from fluxcli.jobspec.templates import has_task_tags, render  # noqa: F401
