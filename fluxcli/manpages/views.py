"""Man pages of the live views (fxwatch, fx-top): their prose."""

from __future__ import annotations

from . import esc, examples, option_items, paragraphs, title, tool_command

PAGES = {
    "fxwatch": {
        "module": ("fluxcli.commands.watch", "watch"),
        "summary": "follow jobs' output and status until they end",
        "synopsis": "[OPTIONS] [JOBID...]",
        "sections": [
            (
                "DESCRIPTION",
                "fxwatch (also fx watch) copies the output of each watched job to its own "
                "stdout and stderr while the job runs, then exits with the largest exit "
                "status of the jobs, as flux watch does. It works on pending, running and "
                "long finished jobs alike (their output is replayed) and takes job ids in "
                "any encoding. With several jobs and -l, each line is labelled with the "
                "job id and task rank. An id that no job has gives one error line; the "
                "other jobs are watched anyway.\n.PP\n"
                "Instead of ids, -a, -A, -f and --since select your jobs as fxjobs does; "
                "-c limits how many. With -v the final status of each job is logged "
                "(ID: 1.234s: complete: status=0), with -vv every event too; times count "
                "from the first submission of the jobs watched, or from the instance's "
                "start with -A and --since.",
            ),
            (
                "ON A TERMINAL",
                "When stderr is a terminal, a live region under the scrolling output shows "
                "what happens. For one job: its state, elapsed time, CPU time and resident "
                "memory while it runs (when the backend can measure them), and its event "
                "timeline (0.012s  name  context, as fx job eventlog prints contexts). For "
                "several jobs: the counts of pending, running, complete and failed jobs "
                "and a table of the running ones. It is redrawn at most ten times a "
                "second. When the watch ends the region goes away and each job gets a "
                "result line: exit code, the exception that ended it, and its run time "
                "(past 50 jobs only the ones that did not complete, then a summary).\n.PP\n"
                "--progress draws a progress bar instead (stdout must be a terminal). "
                "Colour follows --color, NO_COLOR and FX_COLOR; off a terminal the output "
                "is plain lines, exactly as flux watch prints them.",
            ),
            (
                "EVENTS FOR SCRIPTS",
                "--events prints each main eventlog event of the watched jobs on stdout, one "
                "line each: the job id, the raw timestamp, the event name and its context "
                "as key=value pairs. --json prints each as a JSON object (the RFC 18 event "
                "with the job's numeric id as id). Job output is not copied then; the exit "
                "status is the same.",
            ),
            (
                "INTERRUPTING",
                "Ctrl-C stops watching and exits with 130. It never signals or cancels a job.",
            ),
        ],
        "examples": [
            ("Follow one job:", "fxwatch f2XzQ3u"),
            ("Everything you have running or waiting, with a bar:", "fxwatch -a --progress"),
            (
                "What failed in the last hour, with final status lines:",
                "fxwatch -f failed --since=-1h -v",
            ),
            ("Events of a job as JSON lines:", "fxwatch --json f2XzQ3u | jq .name"),
        ],
        "exit": (
            "The largest exit status of the watched jobs (a job ended by signal N counts as "
            "128+N; one that never started after a fatal exception as 1); 0 when all "
            "succeeded or none matched; 1 without any selection or for an unknown --filter; "
            "2 for usage errors (a malformed JOBID, a bad --since); 130 after Ctrl-C."
        ),
        "see_also": "fxsub(1), fxjobs(1), fx-top(1), flux-watch(1)",
    },
    "fx-top": {
        "module": ("fluxcli.commands.top", "top"),
        "summary": "a live overview of the instance's resources and jobs",
        "synopsis": "[OPTIONS]",
        "sections": [
            (
                "DESCRIPTION",
                "fx top fills the terminal with the state of the instance the selected "
                "backend points at, redrawn every second, as flux top does: bars of the "
                "nodes, cores and GPUs in use against those that exist; how many jobs are "
                "pending, running, complete and failed; the uptime; then one row for each "
                "pending and running job of every user: id, state, tasks, cores, elapsed "
                "time, CPU time and resident memory (when the backend can measure them, "
                "else -) and name. Rows past the bottom of the screen are counted.\n.PP\n"
                "It draws on stderr's alternate screen, which it gives back as it was on "
                "exit. Press q to quit (Ctrl-C too). stdin and stderr must be terminals.",
            ),
        ],
        "examples": [
            ("Watch the default instance:", "fx top"),
            ("No colour:", "fx top --color=never"),
        ],
        "exit": "0 after q or Ctrl-C; 1 when stdin or stderr is not a terminal, or on an error.",
        "see_also": "fxwatch(1), fxjobs(1), flux-top(1)",
    },
}


def render(name: str) -> str:
    """The roff source of one page."""
    page = PAGES[name]
    shown = name.replace("-", " ", 1)
    out = [
        title(name),
        f".SH NAME\n{name} \\- {esc(page['summary'])}",
        f".SH SYNOPSIS\n.B {shown}\n{esc(page['synopsis'])}",
    ]
    sections = [f".SH {head}\n{paragraphs(text)}" for head, text in page["sections"]]
    out += [sections[0], ".SH OPTIONS", *option_items(tool_command(*page["module"]), name)]
    out += [*sections[1:], ".SH EXAMPLES", *examples(page["examples"])]
    out.append(f".SH EXIT STATUS\n{esc(page['exit'])}")
    out.append(f".SH SEE ALSO\n{esc(page['see_also'])}")
    return "\n".join(out) + "\n"
