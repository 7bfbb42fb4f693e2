"""``CLIPluginRegistry``: the plugins loaded for one command, driven through pluggy."""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any, ClassVar

import pluggy

from . import hookspecs, loader
from .adapter import CLIPluginAdapter, make_alias
from .builtin import BUILTIN_PLUGINS

COMMAND_NAMES = {
    "submit": "fxsub",
    "run": "fxrun",
    "batch": "fxbatch",
    "alloc": "fxalloc",
    "bulksubmit": "fxbulksubmit",
}


class PluginRecord:
    """One loaded plugin: what to show in --list-plugins and --help=OPTION."""

    def __init__(self, name: str, path: str | None, plugin: Any, doc: str | None):
        self.name, self.path, self.plugin, self.doc = name, path, plugin, doc
        self.options: list[Any] = []


class CLIPluginRegistry:
    """Load every plugin for command ``prog`` and call their hooks.

    Order: plugin-path files, then ``fluxcli.plugins`` entry points, then
    built-ins. A plugin that fails to load, or whose option dest is already
    taken, is skipped with one warning line on stderr.
    """

    _cache: ClassVar[dict[str, tuple[tuple, CLIPluginRegistry]]] = {}

    def __init__(self, prog: str):
        self.prog = prog[5:] if prog.startswith("flux ") else prog
        self.pm = pluggy.PluginManager("fluxcli")
        self.pm.add_hookspecs(hookspecs)
        if os.environ.get("FX_TRACE_PLUGINS"):
            self.pm.trace.root.setwriter(sys.stderr.write)
            self.pm.enable_tracing()
        self.records: list[PluginRecord] = []
        self._dests: set[str] = set()
        self._load()
        self.pm.check_pending()

    @classmethod
    def get(cls, prog: str) -> CLIPluginRegistry:
        """The registry for ``prog`` as the plugin path is now.

        Built again whenever the search path, its plugin files or the
        entry-point switch changed since the last call (Flux loads its
        plugins afresh each time), else reused.
        """
        stamp = loader.fingerprint()
        cached = cls._cache.get(prog)
        if cached is None or cached[0] != stamp:
            cls._cache[prog] = (stamp, cls(prog))
        return cls._cache[prog][1]

    @classmethod
    def clear_cache(cls) -> None:
        """Forget built registries (tests, or after changing the plugin path)."""
        cls._cache.clear()

    # loading
    def warn(self, message: str) -> None:
        """Print one warning line for this command."""
        print(f"{COMMAND_NAMES.get(self.prog, self.prog)}: warning: {message}", file=sys.stderr)

    def _load(self) -> None:
        paths = list(loader.path_files())
        entry_points = loader.entry_points()
        if paths or entry_points:
            loader.install_flux_shim()
        for path in paths:
            try:
                module = loader.import_file(path)
                found = list(loader.module_plugins(module))
            except Exception as exc:  # a broken user plugin never breaks the command
                self.warn(f"plugin {path} skipped: {type(exc).__name__}: {exc}")
                continue
            for obj in found:
                self._add(obj, path)
        for ep in entry_points:
            try:
                obj = ep.load()
            except Exception as exc:
                self.warn(f"plugin {ep.name} ({ep.value}) skipped: {type(exc).__name__}: {exc}")
                continue
            self._add(obj, ep.value)
        for ref in BUILTIN_PLUGINS:
            self._add(loader.load_reference(ref), ref)

    def _add(self, obj: Any, where: str) -> None:
        try:
            if loader.is_cliplugin_class(obj):
                adapter = CLIPluginAdapter(obj(self.prog))
                record = PluginRecord(
                    adapter.name, adapter.plugin.path or where, adapter, adapter.doc
                )
            else:
                name = getattr(obj, "__name__", type(obj).__name__)
                record = PluginRecord(name, getattr(obj, "__file__", where), obj, obj.__doc__)
            options = []
            if hasattr(record.plugin, "fluxcli_add_options"):
                options = _call_opt(record.plugin.fluxcli_add_options, self.prog) or []
        except Exception as exc:
            self.warn(f"plugin {where} skipped: {type(exc).__name__}: {exc}")
            return
        clash = [opt.name for opt in options if opt.dest in self._dests]
        if clash:
            self.warn(
                f"plugin {record.name} from {where} skipped: option {clash[0]} conflicts with another plugin"
            )
            return
        record.options = options
        try:
            self.pm.register(record.plugin, name=f"{record.name}@{where}")
        except Exception as exc:
            self.warn(f"plugin {record.name} from {where} skipped: {exc}")
            return
        self._dests.update(opt.dest for opt in options)
        self.records.append(record)

    def reject(self, record: PluginRecord, reason: str) -> None:
        """Unload a plugin the command cannot accept (e.g. a clash with a built-in option)."""
        self.warn(f"plugin {record.name} from {record.path} skipped: {reason}")
        self.pm.unregister(record.plugin)
        self.records.remove(record)
        self._dests.difference_update(opt.dest for opt in record.options)

    # queries
    @property
    def plugins(self) -> list[Any]:
        """The loaded plugins: CLIPlugin instances, and hook modules or objects."""
        return [getattr(r.plugin, "plugin", r.plugin) for r in self.records]

    @staticmethod
    def _make_alias(plugin: Any) -> dict[str, str]:
        """The unprefixed-to-prefixed dest map a CLIPlugin's callbacks see (as Flux's)."""
        return make_alias(plugin)

    @property
    def options(self) -> list[Any]:
        """Every plugin option (each has ``name`` and ``dest``)."""
        return [opt for record in self.records for opt in record.options]

    def find_option(self, name: str) -> tuple[PluginRecord, Any] | None:
        """The plugin and option for ``--name`` or ``name``."""
        wanted = name if name.startswith("--") else "--" + name
        for record in self.records:
            for opt in record.options:
                if opt.name == wanted:
                    return record, opt
        return None

    # hooks
    def seed_defaults(self, args: Any) -> None:
        """Give every plugin dest missing from ``args`` its default value."""
        for opt in self.options:
            if not hasattr(args, opt.dest):
                setattr(args, opt.dest, opt.default_value())

    def preinit(self, args: Any) -> None:
        """Run every plugin's preinit hook."""
        self.pm.hook.fluxcli_preinit(prog=self.prog, args=args)

    def modify_jobspec(self, args: Any, jobspec: Any) -> None:
        """Run every plugin's modify_jobspec hook."""
        self.pm.hook.fluxcli_modify_jobspec(prog=self.prog, args=args, jobspec=jobspec)

    def validate(self, jobspec: Any) -> None:
        """Run every plugin's validate hook (before submission)."""
        self.pm.hook.fluxcli_validate(prog=self.prog, jobspec=jobspec)

    # presentation
    def plugins_text(self) -> str:
        """The ``--list-plugins`` text."""
        lines = ["Options provided by plugins:"]
        dirs = loader.search_path()
        if dirs:
            lines.append(f"  Search path: {':'.join(dirs)}")
            lines.append("  (plus fluxcli.plugins entry points and built-in plugins)")
        else:
            lines.append("  Searched only fluxcli.plugins entry points and built-in plugins")
        lines.append("")
        for record in self.records:
            lines.append(f"{record.name} loaded from {record.path}")
            for opt in record.options:
                lines.append(f"  {opt.name:<20}  {opt.help or ''}")
            lines.append("")
        return "\n".join(lines)

    def print_help(self, name: str) -> None:
        """``--help=OPTION``: the providing plugin prints its documentation.

        Raises ValueError (``--help: no such option NAME``) when no plugin
        provides the option.
        """
        found = self.find_option(name)
        if found is None:
            raise ValueError(f"--help: no such option {name}")
        record, opt = found
        plugin = getattr(record.plugin, "plugin", None)
        if plugin is not None and hasattr(plugin, "help"):
            plugin.help(opt)
        elif record.doc:
            print(f"\nDocumentation for plugin providing option `{opt.name}`:\n")
            print(inspect.cleandoc(record.doc))
        else:
            print(f"No extra documentation for option `{opt.name}` found.", file=sys.stderr)


def _call_opt(func, prog: str):
    """Call an add-options hook implementation with only the arguments it names."""
    params = inspect.signature(func).parameters
    return func(prog=prog) if "prog" in params else func()
