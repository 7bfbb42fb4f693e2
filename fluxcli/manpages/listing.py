"""Man pages of the listing tools (fxjobs, fx-pgrep): their prose and the format language."""

from __future__ import annotations

from . import esc, examples, items, option_items, paragraphs, title, tool_command

FORMAT_TEXT = """\
An output format is Python's str.format syntax over the fields below, e.g.
'{id.f58:>12} {name:<10.10+} {status_abbrev:>2.2}'. A column title comes from
each field; an unknown field is an error.
.PP
Prefixes before a field: ?: drops the column when it is empty for every job;
+: widens it to its widest value (or its title); ?+: does both. A format that
starts with sort:KEY,-KEY is sorted by those fields (- for descending);
--sort overrides it.
.PP
Spec suffixes: h shows an empty value (also 0s, 0.0, 0:00:00 or the epoch) as
"-"; + marks a value cut by the precision with a final "+".
.PP
Conversions: !d turns epoch seconds into a date, formatted by a strftime
format, then optionally "::" and a spec ({t_run!d:%H:%M::>8}); !D gives ISO
8601 (empty for 0); !F a Flux Standard Duration (1.5m); !H hours:minutes:seconds;
!P a fraction as a percentage."""

FIELDS = [
    (
        "id",
        "job id; id.f58, id.dec, id.hex, id.dothex, id.kvs, id.words, id.emoji, id.f58plain for its encodings",
    ),
    ("userid, username", "the owner"),
    ("urgency, priority", "urgency (0-31) and priority"),
    ("state, state_single, state_emoji", "job state (SCHED) and its abbreviation (S)"),
    ("result, result_abbrev, result_emoji", "result of an inactive job (COMPLETED, CD)"),
    ("status, status_abbrev, status_emoji", "the state while active, the result once inactive"),
    ("name, cwd, queue, project, bank", "what the job was submitted with"),
    ("ntasks, ncores, nnodes, ranks, nodelist", "its size and where it ran"),
    ("duration, expiration, t_remaining", "time limit, when it expires, time left"),
    (
        "t_submit, t_depend, t_priority, t_sched, t_run, t_cleanup, t_inactive",
        "when it entered each state (epoch seconds)",
    ),
    ("runtime", "seconds it ran (so far)"),
    (
        "waitstatus, returncode, success",
        "wait status, return code (negative signal; -128 canceled before running), success",
    ),
    ("exception.occurred, exception.severity, exception.type, exception.note", "its exception"),
    ("inactive_reason", "why it ended (Exit 1, Killed, Canceled: note, Timeout, ...)"),
    (
        "contextual_info, contextual_time",
        "INFO and TIME of the default format: node list or pending reason, run time or time limit",
    ),
    ("dependencies", "dependencies not yet met"),
    (
        "annotations, sched.*, user.*",
        "scheduler and user annotations (annotations.sched.resource_summary ...)",
    ),
    ("cputime", "CPU seconds (user + system) of the job's whole process tree (fluxcli)"),
    (
        "maxrss",
        "peak resident memory of the job's process tree, with a K/M/G suffix; {maxrss:d} gives bytes (fluxcli)",
    ),
    ("output_paths", "the files the job's output went to, comma separated (fluxcli)"),
]

PAGES = {
    "fxjobs": {
        "module": ("fluxcli.commands.jobs", "jobs"),
        "summary": "list jobs",
        "synopsis": "[OPTIONS] [JOBID...]",
        "description": (
            "fxjobs lists jobs as flux jobs does: by default your active jobs, pending ones "
            "first (highest priority, then oldest), then running ones (latest started first); "
            "with -a the inactive ones follow, latest ended first. JOBID arguments list those "
            "jobs and ignore every selection option.\n.PP\n"
            "Beyond flux jobs: the fields cputime, maxrss and output_paths (also in --json), "
            "the accounting named format, and a second --stats line with the sums of CPU "
            "time and peak memory."
        ),
        "examples": [
            ("Your jobs in every state:", "fxjobs -a"),
            ("Failed jobs and why they ended:", "fxjobs -f failed -o endreason"),
            ("CPU time and memory of finished jobs:", "fxjobs -f inactive -o accounting"),
            ("Wait while jobs are active:", "while fxjobs --stats-only; do sleep 1; done"),
            (
                "Ids and return codes as JSON:",
                "fxjobs -a --json | jq '.jobs[] | [.jobid, .returncode]'",
            ),
        ],
        "exit": (
            "0 on success; 1 for a bad value (unknown format field, filter or user), when no "
            "JOBID given exists, and for --stats-only when no job is active; 2 for usage errors "
            "(a malformed JOBID)."
        ),
    },
    "fx-pgrep": {
        "module": ("fluxcli.commands.pgrep", "pgrep"),
        "summary": "find jobs by name pattern or id range (fx pkill cancels them)",
        "synopsis": "[OPTIONS] EXPRESSION...",
        "description": (
            "fx pgrep prints the ids of jobs whose name matches EXPRESSION, a regular "
            "expression (name: may prefix it), and/or whose id lies in ID1..ID2. Jobs are "
            "selected as fxjobs selects them among the newest --max-entries.\n.PP\n"
            "fx pkill takes the same selection options and EXPRESSION (no -n or -o) and "
            "cancels the matching jobs; --wait waits until they are inactive."
        ),
        "examples": [
            ("Ids of your active jobs named like sim*:", "fx pgrep '^sim'"),
            ("The same jobs in the default fxjobs format:", "fx pgrep -o full '^sim'"),
            ("Cancel them and wait until they are gone:", "fx pkill --wait '^sim'"),
        ],
        "exit": (
            "0 when a job matched (fx pkill: and every cancel succeeded); 1 when none matched "
            "or a cancel failed; 2 for a bad expression or usage."
        ),
    },
}

ENVIRONMENT = [
    ("FXJOBS_FORMAT_DEFAULT", "fxjobs: a format (or name of one) replacing the default."),
    ("FX_PGREP_FORMAT_DEFAULT", "fx pgrep: the same for its default."),
    ("NO_COLOR", "No colour, even on a terminal."),
    ("XDG_CONFIG_HOME, XDG_CONFIG_DIRS", "Where configuration files are looked for."),
]


def render(name: str) -> str:
    """The roff source of one tool's page."""
    page = PAGES[name]
    out = [
        title(name),
        ".SH NAME",
        f"{name} \\- {esc(page['summary'])}",
        ".SH SYNOPSIS",
        f".B {name.replace('-', ' ', 1)}\n{esc(page['synopsis'])}",
        ".SH DESCRIPTION",
        paragraphs(page["description"]),
        ".SH OPTIONS",
        *option_items(tool_command(*page["module"]), name),
        ".SH OUTPUT FORMAT\n" + paragraphs(FORMAT_TEXT),
        ".SS Fields",
        *items(FIELDS),
    ]
    out.append(
        ".SS Named formats\n"
        + esc(
            "-o NAME picks a named format; -o help lists them and -o get-config=NAME prints "
            "one as a configuration table. fxjobs has default, cute, long, deps, endreason "
            "and accounting; fx pgrep has default (the bare ids), full, long and deps."
        )
    )
    out.append(
        ".SH CONFIGURATION\n"
        + esc(
            "Formats of your own go in fluxcli/fxjobs.toml (or .yaml, .json) under "
            "$XDG_CONFIG_DIRS (default /etc/xdg), then $XDG_CONFIG_HOME (default ~/.config), "
            "later files overriding earlier ones; both tools read them. Built-in names cannot "
            "be redefined. For example:"
        )
        + "\n.PP\n.RS\n.nf\n"
        + esc(
            '[formats.mine]\ndescription = "Name and state"\nformat = "{id.f58:>12} {name} {state}"'
        )
        + "\n.fi\n.RE"
    )
    out += [".SH EXAMPLES", *examples(page["examples"])]
    out.append(".SH EXIT STATUS\n" + esc(page["exit"]))
    out += [".SH ENVIRONMENT", *items(ENVIRONMENT)]
    out.append(
        ".SH SEE ALSO\n" + esc("fxjobs(1), fx-pgrep(1), fxsub(1), flux-jobs(1), flux-pgrep(1)")
    )
    return "\n".join(out) + "\n"
