"""Man pages of fxcancel and fx (its job, resource, uri, instance and completion commands)."""

from __future__ import annotations

from . import esc, examples, items, option_items, paragraphs, title

CANCEL = {
    "summary": "cancel pending or running jobs",
    "synopsis": "[OPTIONS] [JOBID...]",
    "description": (
        "fxcancel (also fx cancel) raises a fatal cancel exception on each JOBID, as flux "
        "cancel does: a pending job ends without running, a running one is sent SIGTERM "
        "and ends. Ids are taken in any encoding. A job that cannot be canceled (unknown, "
        "already inactive, not yours) gives one error line naming it; the others are "
        "canceled anyway.\n.PP\n"
        "With --all, --user or --states instead of ids, every job of the user in the given "
        "states is canceled, and one line tells how many: Canceled 3 jobs (0 errors), or "
        "Would cancel 3 jobs with --dry-run, or Matched 0 jobs (not shown with --quiet). "
        "STATES is a comma-separated list of depend, priority, sched, run, pending, running "
        "and active (the default); USER a name, a uid, or all."
    ),
    "examples": [
        (
            "Cancel two jobs with a note kept in their eventlogs:",
            "fxcancel -m 'wrong input' f2Xz f3Ab",
        ),
        ("See how many of your pending jobs would go, then cancel them:", "fxcancel -n -S pending"),
        ("Cancel everything you have:", "fxcancel --all"),
    ],
    "exit": (
        "0 when every job was canceled (or, in bulk, whatever matched, even nothing); 1 when "
        "a job could not be canceled, without a target, or for a bad --states or --user; "
        "2 for usage errors such as a malformed JOBID."
    ),
    "see_also": "fxjobs(1), fx(1), flux-cancel(1)",
}

# fx's own commands described here: (command path, arguments, what it does)
SUBCOMMANDS = [
    (
        "job attach",
        "JOBID",
        "Attach to a job: copy its output, forward stdin and signals, exit with its status (as fxrun does after submitting).",
    ),
    ("job status", "JOBID...", "Wait for the jobs to end; exit with the largest exit status."),
    (
        "job eventlog",
        "JOBID",
        "Print a job's eventlog (-p exec or -p output for the others), one event a line; -F follows it until it ends.",
    ),
    ("job wait-event", "JOBID EVENT", "Wait for EVENT in a job's eventlog and print it."),
    (
        "job info",
        "JOBID KEY",
        "Print what the instance holds for a job: jobspec, R (the resources it was given), eventlog, guest.exec.eventlog, guest.output; beyond flux job info: record (the job's record as JSON, as fxjobs --json shows it), output_paths (the files its output went to, one a line) and accounting (its CPU time in seconds and the peak memory of its process tree in bytes).",
    ),
    (
        "job kill",
        "JOBID...",
        'Send a signal (default SIGTERM) to running jobs; a job that cannot be signaled gives a line "kill ID: reason".',
    ),
    (
        "job killall",
        "",
        "Send a signal to all your running jobs (all users' with -u all). Without -f only the count of matching jobs is printed.",
    ),
    (
        "job raise",
        "JOBID... [--] [NOTE...]",
        "Raise an exception on jobs: severity 0 (the default) ends the job, 1-7 are only recorded. The words after the ids (or after --) are the note.",
    ),
    (
        "job raiseall",
        "TYPE [NOTE...]",
        "Raise an exception of TYPE (severity 7 unless -s) on all your jobs in STATES (active by default). Without -f only the count of matching jobs is printed.",
    ),
    (
        "job urgency",
        "JOBID N|hold|default|expedite",
        "Change the urgency of a pending job (0-31; hold is 0, default 16, expedite 31). With -v the old value is printed on stderr.",
    ),
    (
        "job last",
        "[N|[START:STOP:STEP]]",
        "Print the ids of your most recently submitted jobs, newest first: the last one, the last N, or a Python-style slice of the history ([::-1]: all, oldest first).",
    ),
    (
        "job wait",
        "[JOBID]",
        "Wait for a job submitted with --flags=waitable and consume its result: exit 0 if it succeeded, 1 (with the reason on stderr) if not, 2 if there is nothing to wait for. Without JOBID the next waitable job to end is taken and its id printed; --all takes them all.",
    ),
    (
        "job purge",
        "[JOBID...]",
        "Remove inactive jobs from the instance: their records, eventlogs and output. Without ids, the oldest beyond --age-limit or --num-limit. Nothing is removed without --force: the count is printed instead.",
    ),
    (
        "job id",
        "[ID...]",
        "Convert job ids between encodings (dec, hex, dothex, kvs, words, f58, f58plain, emoji).",
    ),
    (
        "resource list",
        "",
        "A line for each resource state (free, allocated, down by default; up and all too): its nodes, cores, GPUs and node list, as flux resource list prints it; -o takes the same format language as fxjobs.",
    ),
    (
        "resource info",
        "",
        "One line: the nodes, cores and GPUs in the given states (all by default).",
    ),
    (
        "uri",
        "JOBID",
        "Print the URI of the instance a job runs (fxalloc --bg, fxbatch), to use as FX_URI; --wait waits until the instance answers.",
    ),
    ("instance start", "", "Start the local instance (it otherwise starts on first use)."),
    ("instance stop", "", "Stop the local instance; running jobs end with an exception."),
    ("instance status", "", "Tell whether the local instance runs, where, and what it holds."),
    ("completion", "bash|zsh", "Print a completion script for every fluxcli command."),
]

FX = {
    "summary": "every fluxcli tool under one command",
    "description": (
        "fx runs each fluxcli tool as a subcommand: fx submit, run, batch, alloc and "
        "bulksubmit are fxsub, fxrun, fxbatch, fxalloc and fxbulksubmit; fx jobs, fx cancel "
        "and fx watch are fxjobs, fxcancel and fxwatch; fx top and fx pgrep/pkill have pages "
        "of their own. This page covers the rest: the job, resource, uri, instance and "
        "completion commands, which follow flux job, flux resource and flux uri. Their "
        "output and error lines are the reference's, prefixed with the command (fx job: "
        "error: ...). --version after fx or any subcommand prints the version."
    ),
    "purging": (
        "A local instance keeps every job it ran until it is purged. fx job purge removes "
        "jobs on request; the instance also purges on its own, every second, the oldest "
        "inactive jobs beyond the limits set by FX_PURGE_AGE_LIMIT and FX_PURGE_NUM_LIMIT "
        "in its environment when it started (at most 500 jobs at a time, each batch one "
        "transaction), so its database stops growing. Unset, nothing is purged on its own, "
        "as in Flux."
    ),
    "completion": (
        "fx completion prints a script that completes the options of fxsub, fxrun, "
        "fxbatch, fxalloc, fxbulksubmit, fxjobs, fxcancel, fxwatch and fx, and the "
        "subcommands of fx and its groups. Load it from the shell's start-up file:"
    ),
    "completion_lines": 'eval "$(fx completion bash)"    # ~/.bashrc\neval "$(fx completion zsh)"     # ~/.zshrc',
    "environment": [
        (
            "FX_PURGE_AGE_LIMIT",
            "Purge inactive jobs older than this Flux standard duration (e.g. 7d).",
        ),
        ("FX_PURGE_NUM_LIMIT", "Keep at most this many inactive jobs."),
        ("FX_BACKEND", "Backend to talk to (local, flux, slurm, or an installed one)."),
        ("FX_URI", "URI of the instance to talk to, e.g. the output of fx uri."),
        ("FX_STATE_DIR", "State directory of the per-user local instance."),
    ],
    "exit": (
        "0 on success; 1 for errors (an unknown job, a bad value, a job that failed for fx "
        "job wait); 2 for usage errors, and for fx job wait when there is nothing to wait "
        "for; fx job status and attach exit with the jobs' status."
    ),
    "see_also": (
        "fxsub(1), fxrun(1), fxbatch(1), fxalloc(1), fxbulksubmit(1), fxjobs(1), fxcancel(1), "
        "fxwatch(1), fx-top(1), fx-pgrep(1), flux-job(1), flux-resource(1), flux-uri(1)"
    ),
}


def fx_command(path: str):
    """The click command of ``fx PATH`` (``job kill``, ``uri``, ...)."""
    import importlib

    import click

    from fluxcli.commands.main import TOOLS
    from fluxcli.commands.tools import add_backend_option

    top, *rest = path.split()
    module, func = TOOLS[top]
    command = getattr(importlib.import_module(module), func.removesuffix("_main"))
    add_backend_option(command)
    for name in rest:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def render_cancel() -> str:
    """The roff source of fxcancel's page."""
    page = CANCEL
    out = [
        title("fxcancel"),
        f".SH NAME\nfxcancel \\- {esc(page['summary'])}",
        f".SH SYNOPSIS\n.B fxcancel\n{esc(page['synopsis'])}",
        f".SH DESCRIPTION\n{paragraphs(page['description'])}",
        ".SH OPTIONS",
        *option_items(fx_command("cancel"), "fxcancel"),
        ".SH EXAMPLES",
        *examples(page["examples"]),
        f".SH EXIT STATUS\n{esc(page['exit'])}",
        f".SH SEE ALSO\n{esc(page['see_also'])}",
    ]
    return "\n".join(out) + "\n"


def render_fx() -> str:
    """The roff source of fx's page (its job, resource, uri, instance, completion commands)."""
    out = [
        title("fx"),
        f".SH NAME\nfx \\- {esc(FX['summary'])}",
        ".SH SYNOPSIS\n.B fx\nCOMMAND [ARGS...]\n.br\n.B fx\n\\-\\-version",
        f".SH DESCRIPTION\n{paragraphs(FX['description'])}",
        ".SH COMMANDS",
    ]
    for path, args, text in SUBCOMMANDS:
        out.append(f".SS fx {path} {esc(args)}".rstrip())
        out.append(esc(text))
        out += option_items(fx_command(path), f"fx {path}")
    out += [
        f".SH PURGING\n{paragraphs(FX['purging'])}",
        f".SH COMPLETION\n{esc(FX['completion'])}",
        f".PP\n.RS\n.nf\n{esc(FX['completion_lines'])}\n.fi\n.RE",
        ".SH ENVIRONMENT",
    ]
    out += items(FX["environment"])
    out.append(f".SH EXIT STATUS\n{esc(FX['exit'])}")
    out.append(f".SH SEE ALSO\n{esc(FX['see_also'])}")
    return "\n".join(out) + "\n"


RENDERERS = {"fxcancel": render_cancel, "fx": render_fx}


def render(name: str) -> str:
    """The roff source of one page."""
    return RENDERERS[name]()
