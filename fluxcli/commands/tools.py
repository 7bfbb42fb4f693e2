"""Helpers shared by the small job-control commands (fxcancel, fxwatch, fxjobs, fx job, fx instance)."""

from __future__ import annotations

import sys

from fluxcli.errors import ExitCode, FluxcliError, describe

INTERRUPTED = int(ExitCode.INTERRUPTED)


BACKEND: str | None = None  # what --backend named on a command that is not a submitter


def open_backend(name: str | None = None):
    """The backend ``name`` (or ``--backend``) names, else the one the environment selects.

    Commands speak the backend contract directly; the ``fluxcli.job`` API (and
    its thread pools) stays out of their start-up.
    """
    from fluxcli import settings
    from fluxcli.backends import open_backend as open_selected

    settings.check()  # a bad FX_* value is one clear error, not an instance that won't start
    return open_selected(name or BACKEND)


def backend_jobid(backend, text: str, invalid: str = 'error parsing jobid: "{}"') -> int:
    """``text`` as ``backend`` reads job ids, or one error line (``invalid`` with the text)."""
    try:
        return backend.parse_id(text)
    except (ValueError, OverflowError):
        raise FluxcliError(invalid.format(text)) from None


def known_job(backend, text: str, message: str = "{}: job ID not found") -> int:
    """The id of an existing job, or one line (``message`` with the id as typed) and exit 1."""
    jobid = backend_jobid(backend, text, "invalid job id '{}'")
    if backend.info(jobid) is None:
        raise FluxcliError(message.format(text))
    return jobid


def _select_backend(ctx, param, value) -> None:
    global BACKEND
    if value:
        BACKEND = value


def add_backend_option(command) -> None:
    """``--backend NAME`` on ``command`` and each of its subcommands (what open_backend opens)."""
    import click

    if not any("--backend" in param.opts for param in command.params):
        command.params.append(
            click.Option(
                ["--backend"],
                metavar="NAME",
                expose_value=False,
                is_eager=True,
                callback=_select_backend,
                help="Use this backend (local, or one an installed package adds)",
            )
        )
    for sub in getattr(command, "commands", {}).values():
        add_backend_option(sub)


def click_run(command, argv: list[str], name: str, backends: bool = True) -> int:
    """Invoke a click command with our error format instead of click's."""
    import re

    import click

    if backends:
        add_backend_option(command)
    try:
        result = command.main(args=argv, prog_name=name, standalone_mode=False)
        return int(result or 0)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:  # a group without its command
        print(exc.ctx.get_help(), file=sys.stderr)
        return getattr(exc.ctx.command, "no_args_exit", int(ExitCode.USAGE))
    except click.UsageError as exc:
        if exc.ctx is not None:
            print(exc.ctx.get_usage(), file=sys.stderr)
        message = re.sub(r"\s*\n\s*", " ", exc.format_message())  # click lists choices on lines
        print(f"{name}: error: {message}", file=sys.stderr)
        return int(ExitCode.USAGE)
    except click.Abort:  # Ctrl-C: nothing is done to any job
        return INTERRUPTED
    except FluxcliError as exc:
        print(f"{name}: error: {describe(exc)}", file=sys.stderr)
        return int(exc.exit_code)
    except Exception as exc:
        from .base import report

        return report(name, exc)
