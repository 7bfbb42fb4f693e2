"""Installed distributions' entry points, read without importlib.metadata (start-up matters)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any


class EntryPoint:
    """One ``name = module:attr`` line of a distribution's entry_points.txt."""

    def __init__(self, name: str, value: str, dist: str):
        self.name, self.value, self.dist = name, value, dist

    def load(self) -> Any:
        module_name, _, attr = self.value.split("[")[0].strip().partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module


def _group_lines(text: str, group: str) -> Iterator[tuple[str, str]]:
    in_group = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            in_group = line.strip("[]").strip() == group
        elif in_group and "=" in line:
            name, _, value = line.partition("=")
            yield name.strip(), value.strip()


def find_entry_points(group: str) -> list[EntryPoint]:
    """Entry points of ``group`` from installed distributions.

    Reads ``*.dist-info/entry_points.txt`` on sys.path directly: importing
    importlib.metadata alone costs more than the whole scan (start-up matters).
    The first distribution of a name on sys.path wins, as with importlib.metadata.
    """
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for directory in sys.path:
        try:
            names = os.listdir(directory or ".")
        except OSError:
            continue
        for entry in sorted(names):
            if not entry.endswith((".dist-info", ".egg-info")):
                continue
            dist = entry.rsplit(".", 1)[0].split("-")[0].lower()
            if dist in seen:
                continue
            seen.add(dist)
            try:
                with open(os.path.join(directory or ".", entry, "entry_points.txt")) as handle:
                    text = handle.read()
            except OSError:
                continue
            if group in text:
                found.extend(EntryPoint(n, v, dist) for n, v in _group_lines(text, group))
    return found
