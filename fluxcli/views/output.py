"""Job output copied to the terminal byte for byte, optionally labelled by task rank."""

from __future__ import annotations

from typing import IO

from fluxcli.backends.iodata import decode_data


def binary(stream: IO) -> IO[bytes]:
    """The byte stream under a text stream (flushing what the text layer holds first)."""
    stream.flush()
    return getattr(stream, "buffer", stream)


class OutputCopier:
    """Writes output events' data to stdout/stderr; with labels, ``PREFIXRANK: line``."""

    def __init__(self, stdout: IO, stderr: IO, label: bool = False, prefix: str = ""):
        self.streams = {"stdout": binary(stdout), "stderr": binary(stderr)}
        self.label = label
        self.prefix = prefix.encode()
        self.partial: dict[tuple[str, str], bytes] = {}

    def event(self, context: dict) -> None:
        """Copy one output-eventlog ``data`` event (others are ignored)."""
        stream_name = context.get("stream", "stdout")
        stream = self.streams.get(stream_name, self.streams["stdout"])
        key = (stream_name, str(context.get("rank", "0")))
        if "data" in context:
            data = decode_data(context)
            if self.label:
                lines = (self.partial.pop(key, b"") + data).split(b"\n")
                self.partial[key] = lines.pop()
                head = self.prefix + key[1].encode() + b": "
                data = b"".join(head + line + b"\n" for line in lines)
            stream.write(data)
            stream.flush()
        if context.get("eof") and self.label and self.partial.get(key):
            stream.write(self.prefix + key[1].encode() + b": " + self.partial.pop(key))
            stream.flush()
