"""Man pages of the submission commands (fxsub ... fxbulksubmit): their prose."""

from __future__ import annotations

from . import esc, examples, items, title

COMMANDS = {
    "submit": "fxsub",
    "run": "fxrun",
    "batch": "fxbatch",
    "alloc": "fxalloc",
    "bulksubmit": "fxbulksubmit",
}

EXAMPLES = {
    "submit": [
        ("Submit 16 tasks of myapp and print the job id:", "fxsub -n16 myapp"),
        (
            "Ten copies, each told its index, then wait for all of them:",
            "fxsub --cc=1-10 --wait myapp --index={cc}",
        ),
        ("Show the jobspec instead of submitting:", "fxsub --dry-run -N2 -n8 -t 1h myapp"),
    ],
    "run": [
        ("Run two tasks and label their output:", "fxrun -n2 --label-io hostname"),
        ("Send stdin to task 0 only:", "echo hi | fxrun -n4 --input=0 cat"),
    ],
    "batch": [
        ("Submit a script that asks for resources with directives:", "fxbatch script.sh"),
        ("Wrap a command line in a script on two nodes:", "fxbatch -N2 --wrap fxrun -N2 hostname"),
    ],
    "alloc": [
        ("An interactive shell in a new instance with four slots:", "fxalloc -n4"),
        ("Start an instance in the background and print its id:", "fxalloc -N1 --bg"),
    ],
    "bulksubmit": [
        ("One job per input:", "fxbulksubmit echo {} ::: a b c"),
        ("The product of two lists:", "fxbulksubmit sleep {0}.{1} ::: 0 1 ::: 0 5"),
        ("Inputs from a file, one per line:", "fxbulksubmit gzip {} :::: files.txt"),
    ],
}

ENVIRONMENT = [
    ("FX_BACKEND", "Backend to submit to (default: local, or flux when FLUX_URI is set)."),
    ("FX_URI", "URI of the instance to talk to, e.g. local:///path/to/local.sock."),
    (
        "FX_STATE_DIR",
        "State directory of the per-user local instance (default $XDG_STATE_HOME/fluxcli).",
    ),
    ("FX_CLI_PLUGINPATH", "Colon-separated directories searched for CLI plugin files."),
    ("FX_CLI_PLUGINPATH_OVERRIDE", "Replace the plugin search path entirely."),
    ("FX_NO_ENTRYPOINT_PLUGINS", "Do not load plugins installed as packages."),
    ("FX_DEBUG", "Print a traceback for internal errors."),
]

FILES = [
    ("$XDG_STATE_HOME/fluxcli/local.sock", "Socket of the per-user local instance."),
    (
        "$XDG_STATE_HOME/fluxcli/jobs.db",
        "Jobs, eventlogs and output of the local instance (SQLite).",
    ),
    ("$XDG_CONFIG_HOME/fluxcli/plugins/*.py", "CLI plugins loaded by every command."),
]

EXIT_STATUS = {
    "submit": "0 when every job was submitted (with --wait or --watch: the highest job exit code); 1 when a job was rejected or an option has a bad value; 2 for usage errors.",
    "run": "The job's exit code: the highest task exit code, 128+N when a task was killed by signal N, 127 when the command was not found, 1 after a fatal exception before the job ran; 2 for usage errors.",
    "batch": "0 when the job was submitted; 1 for bad values; 2 for usage errors.",
    "alloc": "The exit code of the instance's initial program (or 0 with --bg once the instance is ready); 1 for bad values; 2 for usage errors.",
    "bulksubmit": "As fxsub: 0 when every job was submitted, the highest job exit code with --wait; 1 for errors; 2 for usage errors.",
}


PROGS = {name: prog for prog, name in COMMANDS.items()}


def render(name: str) -> str:
    """The roff source of one command's page (``fxsub`` ...)."""
    import click

    from fluxcli.commands.cli import DESCRIPTION, USAGE, build_command

    prog = PROGS[name]
    command = build_command(prog, name)
    out = [
        title(name),
        ".SH NAME",
        f"{name} \\- {esc(DESCRIPTION[prog].split('.')[0].lower())}",
        ".SH SYNOPSIS",
        f".B {name}\n{esc(USAGE[prog])}",
        ".SH DESCRIPTION",
        esc(DESCRIPTION[prog]),
        ".PP",
        esc(
            f"{name} accepts the options of flux {prog} with the same meaning. Options end at the "
            'first word that is not an option (or at "--"); the rest is the command and its arguments.'
        ),
        ".SH OPTIONS",
    ]
    ctx = click.Context(command, info_name=name)
    for heading, params in command.sections:
        out.append(f".SS {esc(heading)}")
        records = filter(None, (param.get_help_record(ctx) for param in params))
        out += items((opts, text or "") for opts, text in records)
    out.append(
        ".SS Help\n.TP\n.B \\-\\-help[=OPTION]\nShow this help, or the documentation of the plugin providing OPTION."
    )
    out.append(
        ".SH PLUGINS\n"
        + esc(
            'Installed plugins add options in the group "Options provided by plugins"; --list-plugins shows them.'
        )
    )
    out += [".SH EXAMPLES", *examples(EXAMPLES[prog])]
    out.append(".SH EXIT STATUS\n" + esc(EXIT_STATUS[prog]))
    out += [".SH ENVIRONMENT", *items(ENVIRONMENT), ".SH FILES", *items(FILES, "I")]
    others = ", ".join(f"{c}(1)" for c in COMMANDS.values() if c != name)
    out.append(".SH SEE ALSO\n" + esc(others + ", flux-" + prog + "(1)"))
    return "\n".join(out) + "\n"
