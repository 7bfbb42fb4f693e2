"""Print jobs through an output format: the header, one line a job, colour by result.

Colours are those of ``flux jobs`` on a terminal: completed green, failed
and timed out red, canceled grey, an active job that is an instance blue.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from fluxcli.backends.contract import JobRecord

RESULT_COLORS = {
    "COMPLETED": "\033[01;32m",
    "FAILED": "\033[01;31m",
    "CANCELED": "\033[37m",
    "TIMEOUT": "\033[01;31m",
}
INSTANCE_COLOR = "\033[01;34m"  # an active job that is an instance of its own
RESET = "\033[0;0m"


def job_formatter(fmt: str):
    """An OutputFormat over JobView fields; ValueError("Error in user format: ...")."""
    from .formats import OutputFormat
    from .jobfields import headings_for

    try:
        pieces = OutputFormat(fmt, headings_for(_field_names(fmt)))
    except ValueError as exc:
        raise ValueError(f"Error in user format: {exc}") from None
    return pieces


def _field_names(fmt: str) -> list[str]:
    import string

    try:
        return [field for _, field, _, _ in string.Formatter().parse(fmt) if field]
    except ValueError:
        return []


def print_jobs(
    records: Sequence[JobRecord],
    formatter,
    no_header: bool = False,
    width: int = -1,
    color: bool = False,
    stream=None,
    format_id=None,
) -> list:
    """Write the listing of ``records`` (JobRecords or JobViews) to ``stream`` (stdout);
    return the JobViews printed, in order. ``formatter``'s ``?:``/``+:`` prefixes are
    applied to these records; ``format_id``: how the backend prints ids (F58 when None)."""
    from .jobfields import JobView

    stream = stream or sys.stdout
    views = [r if isinstance(r, JobView) else JobView(r, format_id=format_id) for r in records]
    if width == 0:
        import shutil

        width = shutil.get_terminal_size((-1, 25)).columns if stream.isatty() else -1
    printed = []
    for view, line in formatter.lines(views, no_header=no_header, width=width):
        start = _color(view) if color and view is not None else ""
        stream.write(f"{start}{line}{RESET}\n" if start else line + "\n")
        if view is not None:
            printed.append(view)
    return printed


def _color(view) -> str:
    if view.result:
        return RESULT_COLORS.get(view.result, "")
    return INSTANCE_COLOR if view.uri else ""
