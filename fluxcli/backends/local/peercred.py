"""Who is at the other end of a Unix socket (SO_PEERCRED), for clients and the server."""

from __future__ import annotations

import socket
import struct

_UCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


def peer_creds(sock) -> tuple[int, int, int]:
    """``(pid, uid, gid)`` of the peer of a connected Unix socket.

    For a client this is the process that called listen(), for the server
    the one that called connect(). ``sock`` is a socket, or an asyncio
    StreamWriter (its transport's socket is used).
    """
    if hasattr(sock, "get_extra_info"):
        sock = sock.get_extra_info("socket")
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(raw)
    return pid, uid, gid


def peer_uid(sock) -> int:
    """The uid of the peer of a connected Unix socket (see ``peer_creds``)."""
    return peer_creds(sock)[1]
