"""Broker configuration built from ``--conf`` values (``BatchConfig``)."""

from __future__ import annotations

import copy
import json
import os

from .treedict import dict_merge, get_treedict, set_treedict

TYPE_CHECKING = False  # typing is not imported at run time: start-up matters
if TYPE_CHECKING:
    from typing import Any


def xdg_searchpath(subdir: str = "") -> list[str]:
    """Configuration directories: $XDG_CONFIG_HOME then $XDG_CONFIG_DIRS, + /flux/SUBDIR."""
    home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    dirs = [home] + (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":")
    return [os.path.join(d, "flux", subdir) if subdir else os.path.join(d, "flux") for d in dirs]


class BatchConfig:
    """Accumulates broker configuration from TOML/JSON text, ``KEY=VAL``, files or names."""

    def __init__(self) -> None:
        self.config: dict | None = None

    def copy(self) -> BatchConfig:
        """An independent copy (later updates leave this one alone)."""
        other = BatchConfig()
        if self.config is not None:
            other.config = copy.deepcopy(self.config)
        return other

    def _merge(self, new: dict) -> BatchConfig:
        self.config = dict_merge(self.config or {}, new)
        return self

    def update(self, value: str | dict) -> BatchConfig:
        """Merge one ``--conf`` value into the configuration."""
        if isinstance(value, dict):
            return self._merge(value)
        if "\n" in value:
            return self.update_string(value)
        if "=" in value:
            return self.update_keyval(value)
        if value.endswith((".toml", ".json")):
            return self.update_file(value)
        if "/" in value:
            raise ValueError(f"--conf: {value} must end in .toml or .json")
        return self.update_named_config(value)

    def update_string(self, text: str) -> BatchConfig:
        """Merge multi-line TOML or JSON text."""
        import tomllib

        try:
            return self._merge(json.loads(text))
        except ValueError:
            pass
        try:
            return self._merge(tomllib.loads(text))
        except tomllib.TOMLDecodeError:
            raise ValueError("--conf: failed to parse multiline as TOML or JSON")

    def update_keyval(self, keyval: str) -> BatchConfig:
        """Merge ``dotted.key=VALUE`` (VALUE JSON-decoded when possible)."""
        key, raw = keyval.split("=", 1)
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        new: dict = {}
        set_treedict(new, key, value)
        return self._merge(new)

    def update_file(self, path: str, label: str | None = None) -> BatchConfig:
        """Merge a ``.toml`` or ``.json`` file."""
        import tomllib

        prefix = f"--conf={label}: " if label else "--conf: "
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            if path.endswith(".toml"):
                return self._merge(tomllib.loads(data.decode()))
            return self._merge(json.loads(data))
        except OSError as exc:
            raise ValueError(f"{prefix}{exc}")
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"--conf: parse error: {path}: {exc}")

    def update_named_config(self, name: str) -> BatchConfig:
        """Merge NAME.toml or NAME.json from the XDG configuration search path."""
        for directory in xdg_searchpath("config"):
            for ext in (".toml", ".json"):
                path = os.path.join(directory, name + ext)
                if os.path.exists(path):
                    return self.update_file(path, label=name)
        raise ValueError(f"--conf: named config '{name}' not found")

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value at dotted ``key`` or ``default``."""
        return get_treedict(self.config or {}, key, default)


def as_batch_config(conf: dict | BatchConfig | str | list | None) -> BatchConfig:
    """A BatchConfig from ``--conf`` values: a BatchConfig, a dict, one string or a list of them."""
    if isinstance(conf, BatchConfig):
        return conf
    batch = BatchConfig()
    for value in [conf] if isinstance(conf, (str, dict)) else conf or []:
        batch.update(value)
    return batch


def normalize_conf(conf: dict | BatchConfig | str | list | None) -> dict | None:
    """Turn a dict, BatchConfig, string or list of strings into a config dict (None if empty)."""
    if conf is None or isinstance(conf, dict):
        return conf
    return as_batch_config(conf).config
