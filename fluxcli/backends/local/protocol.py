"""Wire format between clients and the local instance: one JSON object per line.

Clients use :func:`encode` and :func:`decode`. The instance reads requests with
:func:`decode_request`, the one place where the rules on what a request may
hold are enforced, before anything reaches the job manager:

* text is valid Unicode: the line is UTF-8 and no string (key or value) holds a
  lone surrogate (JSON lets ``"\\ud800"`` through; SQLite, and any reply that
  echoes it, cannot encode it);
* numbers are finite (``NaN``, ``Infinity`` and ``1e999`` are not JSON);
* nesting is at most :data:`MAX_DEPTH` deep;
* the request id is null, an integer that fits 64 bits, or a short string.

:func:`check_json_text` applies the same rules to JSON carried inside a
request as a string (a jobspec).
"""

from __future__ import annotations

import errno
import json
import math
import re

MAX_MESSAGE = 16 * 1024 * 1024
# deeper than anything the protocol or a jobspec needs; far below Python's recursion limit
MAX_DEPTH = 64
MAX_ID_LENGTH = 256
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
NOT_UNICODE = "request contains text that is not valid Unicode"

# a \u escape of a UTF-16 surrogate (d800-dfff): only then can decoded text hold one
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class BadRequest(ValueError):
    """A request refused at the protocol edge: errno and a message for the client."""

    def __init__(self, errnum: int, message: str, rid: int | str | None = None):
        super().__init__(message)
        self.errnum = errnum
        self.rid = rid


def encode(message: dict) -> bytes:
    """One message as a newline-terminated JSON line."""
    try:
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        return text.encode() + b"\n"
    except UnicodeEncodeError:
        # a lone surrogate cannot be UTF-8: send it escaped rather than not at all
        return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict:
    """Parse one line; raise ValueError when it is not a JSON object."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("a request must be a JSON object")
    return message


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:32]} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite_float)


def _walk(obj, surrogates: bool) -> None:
    """Check nesting depth and, if asked, that no string holds a lone surrogate."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise ValueError("nested too deeply")
            for key, item in value.items():
                if surrogates and _SURROGATE.search(key):
                    raise BadRequest(errno.EINVAL, NOT_UNICODE)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise ValueError("nested too deeply")
            stack.extend((item, depth + 1) for item in value)
        elif surrogates and isinstance(value, str) and _SURROGATE.search(value):
            raise BadRequest(errno.EINVAL, NOT_UNICODE)


def loads_strict(text: str):
    """``json.loads`` by the rules above; ValueError (or BadRequest) when broken.

    The walk over the result runs only when the text could break a rule that
    parsing does not check: a surrogate escape, or more brackets than
    :data:`MAX_DEPTH`. Ordinary requests are parsed once and never walked.
    """
    try:
        obj = _DECODER.decode(text)
    except RecursionError:
        raise ValueError("nested too deeply")
    surrogates = "\\u" in text and _SURROGATE_ESCAPE.search(text) is not None
    if surrogates or text.count("[") + text.count("{") > MAX_DEPTH:
        _walk(obj, surrogates)
    return obj


def check_json_text(text: str, what: str):
    """Parse JSON text carried inside a request by the same rules; BadRequest if broken."""
    try:
        return loads_strict(text)
    except BadRequest:
        raise BadRequest(errno.EINVAL, f"{what} contains text that is not valid Unicode")
    except ValueError as exc:
        raise BadRequest(errno.EINVAL, f"{what}: invalid JSON: {exc}")


def valid_id(rid) -> bool:
    """A request id is null, a 64-bit integer or a string of at most 256 characters."""
    if rid is None:
        return True
    if isinstance(rid, bool):
        return False
    if isinstance(rid, int):
        return INT64_MIN <= rid <= INT64_MAX
    return isinstance(rid, str) and len(rid) <= MAX_ID_LENGTH


def decode_request(line: bytes) -> tuple[int | str | None, str, dict]:
    """``(id, method, params)`` of a request line; BadRequest when it is refused.

    The BadRequest carries the request id when the id itself was readable, so
    the error can be addressed to it; otherwise the id is null.
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(errno.EINVAL, NOT_UNICODE)
    try:
        message = loads_strict(text)
    except BadRequest:
        raise
    except ValueError as exc:
        raise BadRequest(errno.EPROTO, f"malformed request: {exc}")
    if not isinstance(message, dict):
        raise BadRequest(errno.EPROTO, "malformed request: a request must be a JSON object")
    rid = message.get("id")
    if not valid_id(rid):
        raise BadRequest(
            errno.EINVAL,
            "invalid request id: it must be null, a 64-bit integer or a string of at most "
            f"{MAX_ID_LENGTH} characters",
        )
    method = message.get("method")
    if not isinstance(method, str):
        raise BadRequest(errno.EINVAL, "method must be a string", rid)
    params = message.get("params")
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        raise BadRequest(errno.EINVAL, "params must be an object", rid)
    return rid, method, params
