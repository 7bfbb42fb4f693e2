"""Slurm job ids as integers for the contract, and as Slurm prints them.

A Slurm job ``1234`` and the elements ``1234_5`` of a job array (which have
no id of their own until they start) are all ``slurm_id << 24 | index``,
with ``PLAIN`` for a job that is not an array element: the integers sort as
Slurm numbers its jobs, newest highest.
"""

from __future__ import annotations

INDEX_BITS = 24
PLAIN = (1 << INDEX_BITS) - 1
MAX_SLURM_ID = (1 << 26) - 1  # Slurm's ids stay below 0x03ff0000


def format_id(jobid: int) -> str:
    """``1234`` or ``1234_5``."""
    jobid = int(jobid)
    slurm_id, index = jobid >> INDEX_BITS, jobid & PLAIN
    return str(slurm_id) if index == PLAIN else f"{slurm_id}_{index}"


def parse_id(text: str) -> int:
    """A Slurm job id as a user types it (``1234``, ``1234_5``); ValueError otherwise."""
    text = str(text).strip()
    head, sep, index = text.partition("_")
    if not head.isdigit() or (sep and not index.isdigit()):
        raise ValueError(f"{text}: not a Slurm job id")
    return array_element(int(head), int(index)) if sep else plain(int(head))


def plain(slurm_id: int) -> int:
    """The id of Slurm job ``slurm_id``."""
    if not 0 < slurm_id <= MAX_SLURM_ID:
        raise ValueError(f"{slurm_id}: not a Slurm job id")
    return slurm_id << INDEX_BITS | PLAIN


def array_element(array_id: int, index: int) -> int:
    """The id of element ``index`` of array job ``array_id``."""
    if not 0 < array_id <= MAX_SLURM_ID or not 0 <= index < PLAIN:
        raise ValueError(f"{array_id}_{index}: not a Slurm job id")
    return array_id << INDEX_BITS | index
