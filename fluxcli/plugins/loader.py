"""Finding plugin objects: entry points, plugin-path files, built-ins."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import types
import zlib
from collections.abc import Iterator
from typing import Any

from .cliplugin import CLIPlugin, CLIPluginOption

ENTRY_POINT_GROUP = "fluxcli.plugins"


def search_path() -> list[str]:
    """Directories searched for ``*.py`` plugin files, in order."""
    override = os.environ.get("FX_CLI_PLUGINPATH_OVERRIDE")
    if override is not None:
        return [d for d in override.split(":") if d.strip()]
    extra = [d for d in os.environ.get("FX_CLI_PLUGINPATH", "").split(":") if d.strip()]
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return extra + [os.path.join(config, "fluxcli", "plugins")]


def install_flux_shim() -> None:
    """Make ``from flux.cli.plugin import CLIPlugin`` work when Flux is not installed."""
    if "flux.cli.plugin" in sys.modules or importlib.util.find_spec("flux") is not None:
        return
    from fluxcli import jobspec as fx_jobspec

    flux = types.ModuleType("flux")
    flux.__path__ = []  # a package, so submodule imports resolve to the shims below
    cli = types.ModuleType("flux.cli")
    cli.__path__ = []
    plugin = types.ModuleType("flux.cli.plugin")
    plugin.CLIPlugin = CLIPlugin
    plugin.CLIPluginOption = CLIPluginOption
    job = types.ModuleType("flux.job")
    for name in ("Jobspec", "JobspecV1", "JobID", "BatchConfig"):
        setattr(job, name, getattr(fx_jobspec, name))
    flux.cli, cli.plugin, flux.job = cli, plugin, job
    sys.modules.update({"flux": flux, "flux.cli": cli, "flux.cli.plugin": plugin, "flux.job": job})


def is_cliplugin_class(obj: Any) -> bool:
    """True for subclasses of our CLIPlugin or of Flux's own (by duck typing)."""
    if not inspect.isclass(obj):
        return False
    if issubclass(obj, CLIPlugin):
        return obj is not CLIPlugin
    names = [base.__name__ for base in obj.__mro__[1:]]
    return "CLIPlugin" in names and hasattr(obj, "add_option")


def has_hookimpls(obj: Any) -> bool:
    """True when ``obj`` defines any ``@hookimpl``-marked ``fluxcli_*`` function."""
    return any(
        name.startswith("fluxcli_") and hasattr(getattr(obj, name), "fluxcli_impl")
        for name in dir(obj)
    )


def import_file(path: str) -> types.ModuleType:
    """Import a plugin file under a unique module name."""
    digest = f"{zlib.crc32(path.encode()):08x}"
    name = f"fluxcli_userplugin_{os.path.splitext(os.path.basename(path))[0]}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def path_files() -> Iterator[str]:
    """Every ``*.py`` file of the plugin search path, directory by directory."""
    for directory in search_path():
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if name.endswith(".py") and not name.startswith("_"):
                yield os.path.join(directory, name)


def module_plugins(module: Any) -> Iterator[Any]:
    """The plugin objects a module provides: CLIPlugin classes, or the module itself."""
    found = False
    for name in dir(module):
        obj = getattr(module, name)
        if (
            not name.startswith("_")
            and is_cliplugin_class(obj)
            and obj.__module__ == module.__name__
        ):
            found = True
            yield obj
    if not found and has_hookimpls(module):
        yield module


class EntryPoint:
    """One ``name = module:attr`` line of a distribution's entry_points.txt."""

    def __init__(self, name: str, value: str, dist: str):
        self.name, self.value, self.dist = name, value, dist

    def load(self) -> Any:
        return load_reference(self.value.split("[")[0].strip())


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


def entry_points() -> list[EntryPoint]:
    """Entry points of the ``fluxcli.plugins`` group (unless FX_NO_ENTRYPOINT_PLUGINS).

    Reads ``*.dist-info/entry_points.txt`` on sys.path directly: importing
    importlib.metadata alone costs more than the whole scan (start-up matters).
    The first distribution of a name on sys.path wins, as with importlib.metadata.
    """
    if os.environ.get("FX_NO_ENTRYPOINT_PLUGINS"):
        return []
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
            if ENTRY_POINT_GROUP in text:
                found.extend(
                    EntryPoint(n, v, dist) for n, v in _group_lines(text, ENTRY_POINT_GROUP)
                )
    return found


def load_reference(ref: str) -> Any:
    """Load ``package.module:attr``."""
    module_name, _, attr = ref.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module
