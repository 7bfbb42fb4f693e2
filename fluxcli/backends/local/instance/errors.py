"""Errors of the instance's request handling."""

from __future__ import annotations


class RequestError(Exception):
    """A request the instance refuses: errno and a message for the client."""

    def __init__(self, errnum: int, message: str):
        super().__init__(message)
        self.errnum = errnum
