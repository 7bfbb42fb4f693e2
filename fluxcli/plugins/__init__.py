"""Plugins: hookspecs, the CLIPlugin API, discovery and the built-in shape plugin.

Importing this package is cheap; nothing is discovered until a registry is built.
"""

from .cliplugin import CLIPlugin, CLIPluginOption, PluginArgsProxy
from .hookspecs import hookimpl, hookspec


def __getattr__(name: str):
    if name == "CLIPluginRegistry":
        from .registry import CLIPluginRegistry

        return CLIPluginRegistry
    raise AttributeError(name)


__all__ = [
    "CLIPlugin",
    "CLIPluginOption",
    "CLIPluginRegistry",
    "PluginArgsProxy",
    "hookimpl",
    "hookspec",
]
