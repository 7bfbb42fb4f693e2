"""Helpers for nested dicts addressed with dotted keys (``a.b.c``)."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any


def set_treedict(tree: dict, key: str, value: Any) -> None:
    """Set ``tree[a][b][c] = value`` for key ``"a.b.c"``, creating levels."""
    parts = key.split(".")
    node = tree
    for part in parts[:-1]:
        if part not in node or node[part] is None:
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def get_treedict(tree: dict, key: str, default: Any = None) -> Any:
    """Return the value at dotted ``key`` or ``default`` when absent."""
    node: Any = tree
    for part in key.split("."):
        try:
            node = node[part]
        except (KeyError, TypeError):
            return default
    return node


def del_treedict(tree: dict, key: str, remove_empty: bool = False) -> None:
    """Delete dotted ``key`` (KeyError when absent); optionally prune empties."""
    parts = key.split(".")
    chain = [tree]
    for part in parts[:-1]:
        chain.append(chain[-1][part])
    del chain[-1][parts[-1]]
    if remove_empty:
        for parent, part in zip(reversed(chain[:-1]), reversed(parts[:-1]), strict=True):
            if parent[part] == {}:
                del parent[part]
            else:
                break


def dict_merge(dest: dict, new: dict) -> dict:
    """Recursively merge ``new`` into ``dest`` (new values win); return dest."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(dest.get(key), dict):
            dict_merge(dest[key], value)
        else:
            dest[key] = value
    return dest
