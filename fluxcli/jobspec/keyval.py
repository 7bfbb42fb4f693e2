"""``--setopt`` / ``--setattr`` ``KEY[=VAL]`` parsing (VAL JSON or string)."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any


def parse_jobspec_keyval(label: str, keyval: str) -> tuple[str, Any]:
    """Split ``KEY=VAL``: VAL is JSON-decoded when valid, ``1`` when absent.

    ``^KEY=FILE`` loads the value from JSON file FILE.
    """
    key, _, raw = keyval.partition("=")
    value: Any = raw if _ else 1
    if key.startswith("^"):
        key = key[1:]
        with open(value) as handle:
            try:
                return key, json.load(handle)
            except ValueError as exc:
                raise ValueError(f"{label}: {value}: {exc}")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    return key, value
