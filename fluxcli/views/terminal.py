"""The one stderr console of a command: its messages, their levels, and colour.

Everything a command says to people (errors, warnings, notes, event lines)
goes through a ``Terminal`` on stderr, prefixed with the tool's name the way
Flux's tools prefix theirs. A live view (a status line or a progress bar)
registers itself here while it is on screen, so that lines written meanwhile
appear above it instead of being glued to it.

rich is imported only when a live view or colour needs it, never at import.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import IO, Any

COLOR_CHOICES = ("auto", "always", "never")


def color_wanted(when: str | None, stream: IO) -> bool:
    """Whether to colour ``stream``: ``--color=always|never``, else a terminal without NO_COLOR."""
    when = (when or os.environ.get("FX_COLOR") or "auto").lower()
    if when not in COLOR_CHOICES:
        raise ValueError(f"invalid --color value '{when}' (use auto, always or never)")
    if when != "auto":
        return when == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(stream)


def is_terminal(stream: IO) -> bool:
    """True when ``stream`` is a terminal (False for anything without a file descriptor)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Terminal:
    """Lines on stderr for one tool, at a verbosity level, in colour only when wanted."""

    def __init__(
        self,
        tool: str,
        verbosity: int = 0,
        color: str | None = None,
        stream: IO | None = None,
        quiet: bool = False,
    ):
        self.tool = tool
        self.verbosity = verbosity
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.color = color_wanted(color, self.stream)
        self.lock = threading.RLock()
        self._console: Any = None
        # set by a live view while it is on screen: prints a line above it
        self.above: Callable[[str], None] | None = None

    @property
    def console(self) -> Any:
        """A rich Console on this terminal's stream (markup and highlighting off)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                file=self.stream,
                markup=False,
                highlight=False,
                emoji=False,
                no_color=not self.color,
                force_terminal=self.color or None,
                soft_wrap=True,
            )
        return self._console

    def write(self, text: str) -> None:
        """Write ``text`` as one line (above a live view if one is showing)."""
        with self.lock:
            if self.above is not None:
                self.above(text)
                return
            self.stream.write(text + "\n")
            self.stream.flush()

    def info(self, message: str) -> None:
        """``TOOL: message`` (not with --quiet)."""
        if not self.quiet:
            self.write(f"{self.tool}: {message}")

    def warning(self, message: str) -> None:
        """``TOOL: warning: message`` (not with --quiet)."""
        if not self.quiet:
            self.write(f"{self.tool}: warning: {message}")

    def error(self, message: str) -> None:
        """``TOOL: error: message`` (always shown)."""
        self.write(f"{self.tool}: error: {message}")

    def debug(self, message: str, level: int = 1) -> None:
        """``TOOL: message`` when the verbosity is at least ``level``."""
        if self.verbosity >= level and not self.quiet:
            self.write(f"{self.tool}: {message}")
