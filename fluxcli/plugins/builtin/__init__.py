"""Plugins shipped with fluxcli; they load through the same path as third-party ones."""

BUILTIN_PLUGINS = ("fluxcli.plugins.builtin.shape:ShapePlugin",)
