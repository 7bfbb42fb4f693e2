"""Job output copied to the terminal byte for byte, optionally labelled by task rank."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from fluxcli.backends.contract import OutputChunk


def binary(stream: IO) -> IO[bytes]:
    """The byte stream under a text stream (flushing what the text layer holds first)."""
    stream.flush()
    return getattr(stream, "buffer", stream)


class OutputCopier:
    """Writes output chunks to stdout/stderr; with labels, ``PREFIXRANK: line``."""

    def __init__(self, stdout: IO, stderr: IO, label: bool = False, prefix: str = ""):
        self.streams = {"stdout": binary(stdout), "stderr": binary(stderr)}
        self.label = label
        self.prefix = prefix.encode()
        self.partial: dict[tuple[str, str], bytes] = {}

    def write(self, chunk: OutputChunk) -> None:
        """Copy one chunk (a last unterminated labelled line is written at its end of file)."""
        stream = self.streams.get(chunk.stream, self.streams["stdout"])
        key = (chunk.stream, chunk.rank)
        data = chunk.data
        if self.label:
            head = self.prefix + chunk.rank.encode() + b": "
            lines = (self.partial.pop(key, b"") + data).split(b"\n")
            rest = lines.pop()
            data = b"".join(head + line + b"\n" for line in lines)
            if chunk.eof and rest:
                data += head + rest
            elif rest:
                self.partial[key] = rest
        if data:
            stream.write(data)
            stream.flush()
