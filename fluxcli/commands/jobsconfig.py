"""fxjobs' named output formats: the built-in ones and those of the user's config files.

Config files are looked for as ``flux jobs`` looks for its own, with our
names: ``fluxcli/fxjobs.{toml,json,yaml}`` under ``$XDG_CONFIG_DIRS``
(default ``/etc/xdg``) and then ``$XDG_CONFIG_HOME`` (default
``~/.config``), later files overriding earlier ones. A file holds a
``formats`` table of ``NAME = {description = "...", format = "..."}``;
built-in names cannot be redefined. ``FXJOBS_FORMAT_DEFAULT`` replaces the
default format (a format, or the name of one).
"""

from __future__ import annotations

import os

_ID = "{id.f58:>12} ?:{queue:<8.8}"
_WHO = f"{_ID} +:{{username:<8}} {{name:<10.10+}}"
_SIZE = "{ntasks:>6} {nnodes:>6h}"
BUILTIN_FORMATS = {
    "default": (
        "Default fxjobs format string",
        f"{_WHO} {{status_abbrev:>2.2}} {_SIZE} {{contextual_time!F:>8h}} {{contextual_info}}",
    ),
    "cute": (
        "Cute fxjobs format string (default with emojis)",
        f"{_WHO} {{status_emoji:>5.5}} {_SIZE} {{contextual_time!F:>8h}} {{contextual_info}}",
    ),
    "long": (
        "Extended fxjobs format string",
        f"{_WHO} {{status:>9.9}} {_SIZE} {{t_submit!d:%b%d %R::>12}} {{t_remaining!F:>12h}} "
        "{contextual_time!F:>8h} {contextual_info}",
    ),
    "deps": (
        "Show job urgency, priority, and dependencies",
        f"{_ID} {{name:<10.10+}} {{urgency:<3}} {{priority:<12}} {{state:<8.8}} {{dependencies}}",
    ),
    "endreason": (
        "Show why each job ended",
        f"{_WHO} {{status_abbrev:>2.2}} {{t_inactive!d:%b%d %R::>12h}} {{inactive_reason}}",
    ),
    "accounting": (
        "Show CPU time, peak memory and where the output went",
        f"{_WHO} {{status_abbrev:>2.2}} {{runtime!F:>8h}} {{cputime!F:>8h}} {{maxrss:>7h}} "
        "{output_paths}",
    ),
}
ENV_DEFAULT = "FXJOBS_FORMAT_DEFAULT"


def search_path() -> list[str]:
    """Directories holding config files, lowest precedence first."""
    home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    dirs = [home, *(os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":")]
    return [os.path.join(d, "fluxcli") for d in reversed(dirs)]


def _read(path: str) -> dict:
    ext = os.path.splitext(path)[1]
    try:
        with open(path, "rb") as handle:
            if ext == ".toml":
                import tomllib

                return tomllib.load(handle)
            if ext == ".json":
                import json

                return json.load(handle)
            import yaml

            return yaml.safe_load(handle) or {}
    except ValueError as exc:  # TOML and JSON decode errors
        raise ValueError(f"{path}: {exc}") from None
    except Exception as exc:  # yaml's errors, without importing yaml to name them
        raise ValueError(f"{path}: {exc}".replace("\n", " ")) from None


def _check(path: str, config: dict, builtins: dict) -> dict:
    if not isinstance(config, dict):
        raise ValueError(f"{path}: not a mapping")
    for key in config:
        if key != "formats":
            raise ValueError(f"{path}: invalid key {key}")
    formats = config.get("formats", {})
    if not isinstance(formats, dict):
        raise ValueError(f"{path}: the 'formats' key must be a mapping")
    for name, entry in formats.items():
        if name in builtins:
            raise ValueError(f"{path}: override of builtin format '{name}' not permitted")
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: 'formats.{name}' must be a mapping")
        if "format" not in entry:
            raise ValueError(f"{path}: formats.{name}: required key 'format' missing")
        if not isinstance(entry["format"], str):
            raise ValueError(f"{path}: formats.{name}: 'format' key must be a string")
    return formats


def load_formats(builtins: dict | None = None) -> dict[str, dict]:
    """Every named format: ``{name: {"description": ..., "format": ...}}``.

    ``builtins`` (name: (description, format)) defaults to fxjobs' own; fx pgrep
    has others but reads the same files, as flux pgrep reads flux jobs' files.
    """
    import glob

    builtins = BUILTIN_FORMATS if builtins is None else builtins
    formats = {name: {"description": text, "format": fmt} for name, (text, fmt) in builtins.items()}
    for directory in search_path():
        for path in sorted(glob.glob(os.path.join(glob.escape(directory), "fxjobs.*"))):
            if os.path.splitext(path)[1] in (".toml", ".json", ".yaml"):
                for name, entry in _check(path, _read(path), builtins).items():
                    formats.setdefault(name, {}).update(entry)
    return formats


def format_help(formats: dict[str, dict], tool: str = "fxjobs") -> str:
    """What ``--format=help`` prints."""
    lines = ["", f"Configured {tool} output formats:", ""]
    for name, entry in formats.items():
        description = entry.get("description")
        lines.append(f"  {name:<12}" + (f" {description}" if description else ""))
    return "\n".join(lines)


def format_config(formats: dict[str, dict], name: str) -> str:
    """What ``--format=get-config=NAME`` prints (a TOML table to paste into a config file)."""
    if name not in formats:
        raise ValueError(f"--format: No such format {name}")
    entry = formats[name]
    lines = [f"[formats.{name}]"]
    if "description" in entry:
        lines.append(f'description = "{entry["description"]}"')
    lines.append(f'format = "{entry["format"]}"')
    return "\n".join(lines)


def resolve(spec: str, formats: dict[str, dict], env_default: str = ENV_DEFAULT) -> str:
    """A format string from ``-o SPEC``: a format itself, or the name of one
    (``default`` is replaced by ``$env_default`` when that is set)."""
    import re

    if "{" in spec:
        return spec
    if spec == "default":
        spec = os.environ.get(env_default) or spec
        if "{" in spec:
            return spec
    if spec in formats:
        return formats[spec]["format"]
    guess = re.sub(r"\w+", r"{\g<0>}", spec)
    raise ValueError(f"--format: No such format {spec} (Did you mean '{guess}'?)")
