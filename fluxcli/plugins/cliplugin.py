"""The Flux ``CLIPlugin`` API, so plugin files written for Flux run unchanged.

Example::

    from fluxcli.plugins import CLIPlugin   # or: from flux.cli.plugin import CLIPlugin

    class MyPlugin(CLIPlugin):
        '''Shown by ``fxsub --help=--site-myopt``.'''

        def __init__(self, prog, prefix="site"):
            super().__init__(prog, prefix=prefix)
            self.add_option("--myopt", metavar="X", help="set user.myopt")

        def modify_jobspec(self, args, jobspec):
            if args.myopt:
                jobspec.setattr("user.myopt", args.myopt)
"""

from __future__ import annotations

import inspect
import sys
from typing import Any


class CLIPluginOption:
    """A long option added by a plugin; ``--name`` becomes ``--PREFIX-name``."""

    def __init__(self, name: str, prefix: str | None = None, **kwargs: Any):
        if not name.startswith("--"):
            raise ValueError("Plugins must register only long options.")
        self.prefix = prefix
        self.name = f"--{prefix}-{name[2:]}" if prefix else name
        self.kwargs = dict(kwargs)
        if "dest" in kwargs:
            self.dest = kwargs["dest"]
            self._unprefixed_dest = None
        else:
            self.dest = self.name[2:].replace("-", "_")
            # what the plugin's own code calls it: args.my_option reaches args.site_my_option
            self._unprefixed_dest = name[2:].replace("-", "_")
        self.help = kwargs.get("help", "")
        self.metavar = kwargs.get("metavar")
        self.default = kwargs.get("default")
        self.action = kwargs.get("action", "store")
        self.choices = kwargs.get("choices")
        self.type = kwargs.get("type")

    @property
    def is_flag(self) -> bool:
        """True for options that take no value."""
        return self.action in ("store_true", "store_false", "count")

    def default_value(self) -> Any:
        """The value a dest has when the option is not given."""
        if self.default is not None:
            return self.default
        if self.action == "store_true":
            return False
        if self.action == "store_false":
            return True
        if self.action == "count":
            return 0
        return None

    def __repr__(self) -> str:
        return f"CLIPluginOption({self.name!r}, dest={self.dest!r})"


class CLIPlugin:
    """Base class of Flux-style CLI plugins (``flux.cli.plugin.CLIPlugin``)."""

    def __init__(self, prog: str, prefix: str | None = "ex", version: str | None = None):
        self.prog = prog[5:] if prog.startswith("flux ") else prog
        self.prefix = prefix
        self.version = version
        self.path = sys.modules.get(type(self).__module__, None)
        self.path = getattr(self.path, "__file__", None)
        self.options: list[CLIPluginOption] = []

    def add_option(self, name: str, **kwargs: Any) -> None:
        """Register a long option (``--name``) for this command."""
        self.options.append(CLIPluginOption(name, prefix=self.prefix, **kwargs))

    def get_options(self) -> list[CLIPluginOption]:
        """The options this plugin registered."""
        return self.options

    def help(self, option: CLIPluginOption) -> None:
        """Print this plugin's documentation for ``--help=OPTION`` (plugins may override it).

        Prints the class docstring on stdout, or says on stderr that there is none.
        """
        doc = type(self).__doc__ if "__doc__" in vars(type(self)) else None
        if not doc:
            print(f"No extra documentation for option `{option.name}` found.", file=sys.stderr)
            return
        text = inspect.cleandoc(doc)
        print(f"\nDocumentation for plugin providing option `{option.name}`:\n\n{text}")

    def preinit(self, args: Any) -> None:
        """Called after parsing, before the jobspec is built."""

    def modify_jobspec(self, args: Any, jobspec: Any) -> None:
        """Called after all built-in options were applied."""

    def validate(self, jobspec: Any) -> None:
        """Called before submission; raise ValueError to reject the job."""


class PluginArgsProxy:
    """Let a plugin read and write its options by unprefixed dest (``args.myopt``)."""

    def __init__(self, args: Any, alias: dict[str, str]):
        object.__setattr__(self, "_args", args)
        object.__setattr__(self, "_alias", alias)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._args, self._alias.get(name, name))

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._args, self._alias.get(name, name), value)
