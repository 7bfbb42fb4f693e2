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


def entry_points() -> list:
    """Entry points of the ``fluxcli.plugins`` group (unless FX_NO_ENTRYPOINT_PLUGINS)."""
    if os.environ.get("FX_NO_ENTRYPOINT_PLUGINS"):
        return []
    from fluxcli.entrypoints import find_entry_points

    return find_entry_points(ENTRY_POINT_GROUP)


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


def _stat(path: str) -> tuple[int, int]:
    try:
        info = os.stat(path)
    except OSError:
        return (0, 0)
    return (info.st_mtime_ns, info.st_size)


def fingerprint() -> tuple:
    """What the loaded plugins depend on: search path, plugin files (and their stat), switches."""
    files = tuple((path, _stat(path)) for path in path_files())
    return (tuple(search_path()), files, bool(os.environ.get("FX_NO_ENTRYPOINT_PLUGINS")))


def import_file(path: str) -> types.ModuleType:
    """Import a plugin file under a unique module name (again when the file changed)."""
    digest = f"{zlib.crc32(path.encode()):08x}"
    name = f"fluxcli_userplugin_{os.path.splitext(os.path.basename(path))[0]}_{digest}"
    stamp = _stat(path)
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__fluxcli_stamp__", None) == stamp:
        return module
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__fluxcli_stamp__ = stamp
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


def load_reference(ref: str) -> Any:
    """Load ``package.module:attr``."""
    module_name, _, attr = ref.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module
