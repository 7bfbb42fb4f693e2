"""Output and stdin data as the RFC 24 eventlogs carry it: UTF-8 text, or base64 bytes."""

from __future__ import annotations

import base64


def encode_data(data: bytes) -> dict:
    """``{"data": text}`` for UTF-8, else ``{"data": base64, "encoding": "base64"}``."""
    try:
        return {"data": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"data": base64.b64encode(data).decode("ascii"), "encoding": "base64"}


def decode_data(context: dict) -> bytes:
    """The bytes an output (or stdin) event carries."""
    data = context.get("data") or ""
    if context.get("encoding") == "base64":
        return base64.b64decode(data)
    return data.encode("utf-8", "surrogateescape")


def output_chunks(events):
    """The ``data`` and ``log`` events of output eventlogs (RFC 24) as OutputChunks, bytes exact."""
    from .contract import OutputChunk

    for event in events:
        context = event.context
        if event.name == "log":
            message = str(context.get("message", "")).encode()
            yield OutputChunk(
                event.jobid, str(context.get("rank", "0")), "stderr", message, False, context
            )
            continue
        if event.name != "data":
            continue
        yield OutputChunk(
            event.jobid,
            str(context.get("rank", "0")),
            context.get("stream", "stdout"),
            decode_data(context) if "data" in context else b"",
            bool(context.get("eof")),
        )
