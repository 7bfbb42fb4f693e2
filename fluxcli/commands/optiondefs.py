"""Every submission option, defined once, grouped as the reference documents them.

Commands: S = submit, R = run, K = bulksubmit, B = batch, A = alloc.
Numeric options of S/R/K stay strings here (bulksubmit substitutes ``{}``
into them) and are converted when the jobspec is built.
"""

from __future__ import annotations

from typing import NamedTuple


class OptionDef(NamedTuple):
    """One option: click declarations, click keyword arguments, where it appears."""

    decls: tuple[str, ...]
    progs: str
    section: str
    kwargs: dict
    hidden_in: str = ""


def _o(decls, progs, section, hidden_in="", **kwargs) -> OptionDef:
    return OptionDef(tuple(decls.split()), progs, section, kwargs, hidden_in)


RES = "Common resource options"
PERTASK = "Per-task options"
PERRES = "Per-resource options"
INST = "Instance options"
ADD = "Additional job parameters"
IO = "Standard I/O options"
CONS = "Constraint options"
DEP = "Dependency options"
ENV = "Environment options"
RL = "Process resource limit options"
OTHER = "Other options"
BULK = "Replication and monitoring options"

MULTI = {"multiple": True}

OPTIONS: list[OptionDef] = [
    # resources: submit/run/bulksubmit
    _o("-N --nodes nodes", "SRK", RES, metavar="N", help="Number of nodes to allocate"),
    _o(
        "-x --exclusive exclusive",
        "SRKBA",
        RES,
        is_flag=True,
        help="With -N, allocate nodes exclusively",
    ),
    _o("-n --ntasks ntasks", "SRK", PERTASK, metavar="N", help="Number of tasks to start"),
    _o(
        "-c --cores-per-task cores_per_task",
        "SRK",
        PERTASK,
        metavar="N",
        help="Number of cores to allocate per task",
    ),
    _o(
        "-g --gpus-per-task gpus_per_task",
        "SRK",
        PERTASK,
        metavar="N",
        help="Number of GPUs to allocate per task",
    ),
    _o("--cores cores", "SRK", PERRES, metavar="N", help="Request a total number of cores"),
    _o(
        "--tasks-per-node tasks_per_node",
        "SRK",
        PERRES,
        metavar="N",
        help="Force a number of tasks per node",
    ),
    _o(
        "--tasks-per-core tasks_per_core",
        "SRK",
        PERRES,
        metavar="N",
        help="Force a number of tasks per core",
    ),
    _o(
        "--gpus-per-node gpus_per_node",
        "SRK",
        PERRES,
        metavar="N",
        help="Request a number of GPUs per node with --nodes",
    ),
    _o(
        "--taskmap taskmap",
        "SRK",
        OTHER,
        metavar="SCHEME[:VALUE]",
        help="Map tasks to nodes: block (default), cyclic[:N], manual:MAP, hostfile:FILE",
    ),
    # resources: batch/alloc
    _o(
        "-n --nslots nslots",
        "BA",
        RES,
        type=int,
        metavar="N",
        help="Number of total resource slots requested",
    ),
    _o(
        "-c --cores-per-slot cores_per_slot",
        "BA",
        RES,
        type=int,
        default=1,
        metavar="N",
        help="Number of cores to allocate per slot",
    ),
    _o(
        "-g --gpus-per-slot gpus_per_slot",
        "BA",
        RES,
        type=int,
        metavar="N",
        help="Number of GPUs to allocate per slot",
    ),
    _o(
        "-N --nodes nodes",
        "BA",
        RES,
        type=int,
        metavar="N",
        help="Distribute allocated resource slots across N individual nodes",
    ),
    _o(
        "--add-brokers add_brokers",
        "BA",
        RES,
        hidden_in="BA",
        type=int,
        metavar="N",
        help="Add N extra brokers on the first node",
    ),
    # instance
    _o(
        "--conf conf",
        "BA",
        INST,
        metavar="CONF",
        help="Broker config: FILE.toml|json, KEY=VAL, TOML/JSON text or a named config",
        **MULTI,
    ),
    _o(
        "--broker-opts broker_opts",
        "BA",
        INST,
        metavar="OPTS",
        help="Options passed to the instance broker (comma separated)",
        **MULTI,
    ),
    _o("--wrap wrap", "B", INST, is_flag=True, help="Wrap arguments or stdin in a /bin/sh script"),
    _o(
        "--bg bg",
        "A",
        INST,
        is_flag=True,
        help="Start the instance without attaching; print its jobid when ready",
    ),
    # additional job parameters
    _o(
        "-q --queue queue",
        "SRKBA",
        ADD,
        metavar="NAME",
        help="Submit a job to a specific named queue",
    ),
    _o(
        "-B --bank bank", "SRKBA", ADD, metavar="NAME", help="Submit a job to a specific named bank"
    ),
    _o(
        "-t --time-limit time_limit",
        "SRKBA",
        ADD,
        metavar="MIN|FSD",
        help="Time limit in minutes, or a Flux standard duration (e.g. 2h)",
    ),
    _o(
        "--job-name job_name", "SRKBA", ADD, metavar="NAME", help="Set an optional name for the job"
    ),
    _o(
        "--flags flags",
        "SRKBA",
        ADD,
        metavar="FLAGS",
        help="Job submission flags: debug, waitable, novalidate",
        **MULTI,
    ),
    _o(
        "--urgency urgency",
        "SRKBA",
        ADD,
        metavar="N",
        default="16",
        help="Urgency 0-31 or hold, default, expedite (default 16)",
    ),
    _o(
        "--cwd cwd",
        "SRKBA",
        ADD,
        metavar="DIRECTORY",
        help="Working directory of the job (default: current directory)",
    ),
    # standard I/O
    _o(
        "--input input",
        "SRKBA",
        IO,
        hidden_in="BA",
        metavar="FILENAME|RANKS",
        help="Read stdin from FILENAME, or send it to RANKS (fxrun)",
    ),
    _o(
        "--output output",
        "SRKBA",
        IO,
        hidden_in="BA",
        metavar="TEMPLATE",
        help="Write stdout to TEMPLATE (mustache tags allowed)",
    ),
    _o(
        "--error error",
        "SRKBA",
        IO,
        hidden_in="BA",
        metavar="TEMPLATE",
        help="Write stderr to TEMPLATE (mustache tags allowed)",
    ),
    _o(
        "-u --unbuffered unbuffered",
        "SRKBA",
        IO,
        is_flag=True,
        help="Disable output buffering as much as practical",
    ),
    _o(
        "-l --label-io label_io",
        "SRKBA",
        IO,
        hidden_in="BA",
        is_flag=True,
        help="Label output lines with task ids",
    ),
    # constraints and dependencies
    _o(
        "--requires requires",
        "SRKBA",
        CONS,
        metavar="CONSTRAINT",
        help="Require nodes matching an RFC 35 constraint",
        **MULTI,
    ),
    _o(
        "--dependency dependency",
        "SRKBA",
        DEP,
        metavar="DEPENDENCY",
        help="Set a dependency: afterok:ID, afterany:ID, singleton, ...",
        **MULTI,
    ),
    _o(
        "--begin-time begin_time",
        "SRKBA",
        DEP,
        metavar="+FSD|DATETIME",
        help="Do not start the job before this time",
        **MULTI,
    ),
    # environment and limits
    _o(
        "--env env",
        "SRKBA",
        ENV,
        metavar="RULE",
        help="Environment rule: VAR, VAR=VAL, -PATTERN, ^FILE",
        **MULTI,
    ),
    _o(
        "--env-remove env_remove",
        "SRKBA",
        ENV,
        metavar="PATTERN",
        help="Remove variables matching PATTERN (glob or /regex/)",
        **MULTI,
    ),
    _o(
        "--env-file env_file",
        "SRKBA",
        ENV,
        metavar="FILE",
        help="Read environment rules from FILE",
        **MULTI,
    ),
    _o(
        "--rlimit rlimit",
        "SRKBA",
        RL,
        metavar="RULE",
        help="Propagate or set resource limits: NAME, NAME=VALUE, -PATTERN",
        **MULTI,
    ),
    _o(
        "--color color",
        "SRKBA",
        OTHER,
        metavar="WHEN",
        help="Colour on the terminal: auto (default, off with NO_COLOR), always, never",
    ),
    _o(
        "--backend backend",
        "SRKBA",
        OTHER,
        metavar="NAME",
        help="Submit to this backend (local, or one an installed package adds)",
    ),
    # shell options, attributes, files, signals
    _o(
        "-o --setopt setopt",
        "SRKBA",
        OTHER,
        metavar="OPT",
        help="Set shell option OPT[=VAL] (VAL is JSON or a string)",
        **MULTI,
    ),
    _o(
        "-S --setattr setattr",
        "SRKBA",
        OTHER,
        metavar="ATTR",
        help="Set jobspec attribute ATTR[=VAL] (bare names go under system.)",
        **MULTI,
    ),
    _o(
        "--add-file add_file",
        "SRKBA",
        OTHER,
        metavar="[NAME[:PERMS]=]ARG",
        help="Add a file (path or inline content) to the job's tmpdir",
        **MULTI,
    ),
    _o(
        "--signal signal",
        "SRKBA",
        OTHER,
        metavar="SIG@TIME",
        help="Send signal SIG (default SIGUSR1) TIME (default 60s) before the time limit",
    ),
    _o(
        "--debug-emulate debug_emulate",
        "SRKBA",
        OTHER,
        hidden_in="SRKBA",
        is_flag=True,
        help="Stop tasks in exec for a debugger",
    ),
    _o(
        "--dump dump",
        "BA",
        INST,
        metavar="FILE",
        help="Archive the instance content at shutdown (default flux-{{jobid}}-dump.tgz)",
    ),
    # replication and monitoring
    _o(
        "--cc cc",
        "SK",
        BULK,
        metavar="IDSET",
        help="Submit copies of the job, one per id; {cc} is replaced by the id",
    ),
    _o(
        "--bcc bcc",
        "SK",
        BULK,
        metavar="IDSET",
        help="Like --cc, without FLUX_JOB_CC in the job environment",
    ),
    _o(
        "--wait wait",
        "SK",
        BULK,
        is_flag=True,
        help="Wait for all jobs to finish; exit with the highest job exit code",
    ),
    _o(
        "--wait-event wait_event",
        "SKR",
        BULK,
        metavar="NAME",
        help="Wait for event NAME (exec.NAME for exec events)",
    ),
    _o(
        "--watch watch",
        "SK",
        BULK,
        is_flag=True,
        help="Stream the output of all jobs and wait for them",
    ),
    _o(
        "--log log",
        "SK",
        BULK,
        metavar="FILE",
        help="Write this command's output to FILE ({cc} allowed)",
    ),
    _o(
        "--log-stderr log_stderr",
        "SK",
        BULK,
        metavar="FILE",
        help="Write this command's errors to FILE",
    ),
    _o(
        "--progress progress",
        "SK",
        BULK,
        is_flag=True,
        help="Show a progress bar (stdout must be a tty)",
    ),
    _o("--jps jps", "SK", BULK, is_flag=True, help="With --progress, show jobs per second"),
    _o(
        "--shuffle shuffle",
        "K",
        BULK,
        is_flag=True,
        help="Shuffle the list of commands before submitting",
    ),
    _o(
        "--sep sep",
        "K",
        BULK,
        metavar="STRING",
        default="\\n",
        help="Separator of inputs read from stdin or files (default newline, 'none' = whitespace)",
    ),
    _o(
        "--define define",
        "K",
        BULK,
        metavar="NAME=CODE",
        help="Define {.NAME} as the Python expression CODE of input x",
        **MULTI,
    ),
    # general
    _o("-v --verbose verbose", "SRKA", OTHER, count=True, help="Be more verbose (repeat for more)"),
    _o("--quiet quiet", "SRKBA", OTHER, is_flag=True, help="Do not print job ids"),
    _o(
        "--dry-run dry_run",
        "SRKBA",
        OTHER,
        is_flag=True,
        help="Print the jobspec (or commands) instead of submitting",
    ),
    _o(
        "--list-plugins list_plugins",
        "SRKBA",
        OTHER,
        is_flag=True,
        help="List the loaded CLI plugins and their options",
    ),
]

PROG_LETTER = {"submit": "S", "run": "R", "bulksubmit": "K", "batch": "B", "alloc": "A"}


def options_for(prog: str) -> list[OptionDef]:
    """The option definitions of command ``prog``, in display order."""
    letter = PROG_LETTER[prog]
    return [opt for opt in OPTIONS if letter in opt.progs]
