"""Run a ``CLIPlugin`` instance (ours or Flux's) as a pluggy plugin."""

from __future__ import annotations

from typing import Any

from .cliplugin import PluginArgsProxy
from .hookspecs import hookimpl


def make_alias(plugin: Any) -> dict[str, str]:
    """``{unprefixed dest: dest}`` for the options of ``plugin`` whose dest was derived."""
    return {
        opt._unprefixed_dest: opt.dest
        for opt in plugin.options
        if getattr(opt, "_unprefixed_dest", None) and opt._unprefixed_dest != opt.dest
    }


class CLIPluginAdapter:
    """Wraps one CLIPlugin instance; its callbacks see their unprefixed dests."""

    def __init__(self, plugin: Any):
        self.plugin = plugin
        self.alias = make_alias(plugin)
        self.name = type(plugin).__name__
        self.path = getattr(plugin, "path", None)
        self.doc = type(plugin).__doc__ if "__doc__" in vars(type(plugin)) else None

    def _proxy(self, args: Any) -> PluginArgsProxy:
        return PluginArgsProxy(args, self.alias)

    @hookimpl
    def fluxcli_add_options(self) -> list[Any]:
        return list(self.plugin.options)

    @hookimpl
    def fluxcli_preinit(self, args: Any) -> None:
        self.plugin.preinit(self._proxy(args))

    @hookimpl
    def fluxcli_modify_jobspec(self, args: Any, jobspec: Any) -> None:
        self.plugin.modify_jobspec(self._proxy(args), jobspec)

    @hookimpl
    def fluxcli_validate(self, jobspec: Any) -> None:
        self.plugin.validate(jobspec)
