"""Job output copied to the terminal byte for byte, optionally labelled by task rank."""

from __future__ import annotations

import re
from collections.abc import Callable

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import IO

    from fluxcli.backends.contract import OutputChunk

# cursor movement, scroll regions, screen erasing, alternate screen: what would
# break a live bar if replayed (colours, ``ESC [ ... m``, are kept), as Flux strips them
_CURSOR_ESCAPES = re.compile(
    rb"\033\[[\d;]*r|\033\[[\d;]*[HJf]|\033\[[\d;]*[ABCD]|\033\[[\d;]*t"
    rb"|\033\[\?[\d;]*[hl]|\0337|\0338|\033D|\033M|\033c"
)


def binary(stream: IO) -> IO[bytes]:
    """The byte stream under a text stream (flushing what the text layer holds first)."""
    stream.flush()
    return getattr(stream, "buffer", stream)


def strip_cursor_escapes(data: bytes) -> bytes:
    """``data`` without the escape sequences that move the cursor or clear the screen."""
    return _CURSOR_ESCAPES.sub(b"", data)


# the job shell's log levels as its messages name them (0-2 all end the job)
_SHELL_LEVELS = ("FATAL", "FATAL", "FATAL", "ERROR", " WARN", "", "DEBUG", "TRACE")


def shell_log_line(context: dict) -> str:
    """A job shell's log message as Flux prints it: ``flux-shell[0]: FATAL: text``."""
    level = context.get("level", 0)
    name = _SHELL_LEVELS[level] if isinstance(level, int) and 0 <= level < 8 else ""
    head = f"flux-shell[{context.get('rank', 0)}]: " + (f"{name}: " if name else "")
    if context.get("component"):
        head += f"{context['component']}: "
    return head + str(context.get("message", ""))


class OutputCopier:
    """Writes output chunks to stdout/stderr; with labels, ``PREFIXRANK: line``.

    ``sink`` replaces the direct write (a live view prints whole lines above
    itself); ``whole_lines`` then holds back a line until its newline arrives.
    ``shell_logs``: the job shell's own messages are printed on stderr (labelled
    with the prefix alone), as ``flux watch`` does; otherwise they are left out.
    """

    def __init__(
        self,
        stdout: IO,
        stderr: IO,
        label: bool = False,
        prefix: str = "",
        sink: Callable[[str, bytes], None] | None = None,
        shell_logs: bool = False,
    ):
        self.streams = {"stdout": stdout, "stderr": stderr}
        self.shell_logs = shell_logs
        self.label = label
        self.prefix = prefix.encode()
        self.sink = sink
        self.partial: dict[tuple[str, str], bytes] = {}

    def write(self, chunk: OutputChunk) -> None:
        """Copy one chunk (a last unterminated line is written at its end of file)."""
        if chunk.shell_log is not None:
            if self.shell_logs:
                line = self.prefix + shell_log_line(chunk.shell_log).encode() + b"\n"
                self._put("stderr", line)
            return
        name = chunk.stream if chunk.stream in self.streams else "stdout"
        key = (name, chunk.rank)
        data = chunk.data
        if self.label or self.sink is not None:
            head = self.prefix + chunk.rank.encode() + b": " if self.label else b""
            lines = (self.partial.pop(key, b"") + data).split(b"\n")
            rest = lines.pop()
            data = b"".join(head + line + b"\n" for line in lines)
            if chunk.eof and rest:
                data += head + rest + (b"\n" if self.sink is not None else b"")
            elif rest:
                self.partial[key] = rest
        if data:
            self._put(name, data)

    def _put(self, name: str, data: bytes) -> None:
        if self.sink is not None:
            self.sink(name, strip_cursor_escapes(data))
            return
        stream = binary(self.streams[name])
        stream.write(data)
        stream.flush()
