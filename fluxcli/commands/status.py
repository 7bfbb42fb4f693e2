"""Moved to :mod:`fluxcli.jobspec.status` (shared by every layer); kept for old imports."""

from fluxcli.jobspec.status import Outcome, finish_message  # noqa: F401
