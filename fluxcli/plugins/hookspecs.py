"""Hook specifications of fluxcli plugins (pluggy project name ``fluxcli``).

A plugin is any object or module with ``@hookimpl`` functions named below,
registered through the ``fluxcli.plugins`` entry-point group, a file in
``FX_CLI_PLUGINPATH``, or built in. Every argument is optional in an
implementation: pluggy passes only the ones a function names.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("fluxcli")
hookimpl = pluggy.HookimplMarker("fluxcli")


@hookspec
def fluxcli_add_options(prog: str) -> list[Any] | None:
    """Return the ``CLIPluginOption`` objects this plugin adds to command ``prog``.

    Runs once when the registry for ``prog`` ("submit", "run", "batch",
    "alloc", "bulksubmit") is built, before any argument is parsed. Options
    must be long options; they are shown under "Options provided by plugins".
    """


@hookspec
def fluxcli_preinit(prog: str, args: Any) -> None:
    """Inspect or change the parsed options before the jobspec is built.

    Runs after parsing on the command line, before resources are laid out;
    changes to ``args`` (e.g. setting ``args.nodes``) steer how the jobspec
    is created. For Python callers (``apply_options(prog=...)``,
    ``JobspecV1.from_submit`` ...) it runs after the built-in options, just
    before ``modify_jobspec``, as in Flux: resource sizes are fixed by then.
    """


@hookspec
def fluxcli_modify_jobspec(prog: str, args: Any, jobspec: Any) -> None:
    """Change the jobspec after every built-in option has been applied.

    Runs after the jobspec is built and every built-in option applied (by
    the command pipeline, or by ``apply_options(prog=...)`` for Python
    callers); ``args`` is the copy's own namespace under ``--cc``. Raise
    ValueError to reject the options.
    """


@hookspec
def fluxcli_validate(prog: str, jobspec: Any) -> None:
    """Check a finished jobspec before it is submitted; raise ValueError to reject it.

    Runs right before submission (never for ``--dry-run``); a failure is
    reported as one error line and nothing is submitted.
    """
