"""A jobspec as Slurm takes it: sbatch options and a generated script whose tasks run under srun.

The script exports exactly the jobspec's environment (it clears what sbatch
and slurmd put there, Slurm's own variables aside), derives Flux's task variables from Slurm's, and runs the
command with ``srun`` (a batch script from ``fxbatch`` runs once, as the
batch step). What Slurm cannot express is refused by ``refusals.py`` before
this runs; the README's Slurm table lists every mapping.
"""

from __future__ import annotations

import base64
import math
import re
import shlex
import time

from .jobids import format_id, parse_id

# the task wrapper: Flux's per-task variables from Slurm's, then the command itself
TASK_WRAPPER = (
    'export FLUX_TASK_RANK="$SLURM_PROCID" FLUX_TASK_LOCAL_ID="$SLURM_LOCALID"; '
    ': > "$1.$SLURM_PROCID.started"; shift; exec "$@"'
)
DEPENDENCY_SCHEMES = {"after", "afterok", "afternotok", "afterany"}
_TAG = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Slurm's own variables of the submitting environment must not leak into the job
_DROPPED_ENV = re.compile(r"^SLURM_(?!CONF$)")


class Shape:
    """What a jobspec's resources ask for: nodes, tasks, cores and GPUs per task."""

    def __init__(self, jobspec: dict):
        self.nnodes = 0
        self.exclusive = False
        self.slots = 1
        self.cores = 1
        self.gpus = 0
        for vertex in jobspec.get("resources", []):
            self._walk(vertex, 1)
        count = (jobspec.get("tasks") or [{}])[0].get("count", {})
        if "total" in count:
            self.ntasks = int(count["total"])
        else:
            self.ntasks = self.slots * int(count.get("per_slot", 1))

    def _walk(self, vertex: dict, multiplier: int) -> None:
        count = vertex.get("count", 1)
        count = count.get("min", 1) if isinstance(count, dict) else int(count)
        kind = vertex.get("type")
        if kind == "node":
            self.nnodes = count * multiplier
            self.exclusive = bool(vertex.get("exclusive"))
        elif kind == "slot":
            self.slots = count * multiplier
        elif kind == "core":
            self.cores = count
        elif kind == "gpu":
            self.gpus = count
        for child in vertex.get("with", []):
            self._walk(child, count * multiplier if kind in ("node", "slot") else multiplier)


def file_pattern(path: str, array: bool) -> str:
    """An output path template in Slurm's filename pattern (``{{id}}`` → ``%j``, ``{{name}}`` → ``%x``).

    ValueError names a template Slurm cannot express (refusals.py reports it).
    """
    parts = []
    position = 0
    for match in _TAG.finditer(path):
        parts.append(path[position : match.start()].replace("%", "%%"))
        tag = match.group(1)
        if tag in ("id", "jobid", "id.dec", "jobid.dec"):
            parts.append("%A_%a" if array else "%j")
        elif tag == "name":
            parts.append("%x")
        else:
            raise ValueError(f"the template {{{{{tag}}}}} has no Slurm equivalent")
        position = match.end()
    parts.append(path[position:].replace("%", "%%"))
    return "".join(parts)


def _system(jobspec: dict) -> dict:
    return jobspec.get("attributes", {}).get("system", {})


def _io(jobspec: dict) -> tuple[dict, dict]:
    options = _system(jobspec).get("shell", {}).get("options", {})
    return options.get("output") or {}, options.get("input") or {}


def job_name(jobspec: dict) -> str:
    """The name Flux gives the job: its ``job.name``, else the command's base name."""
    name = _system(jobspec).get("job", {}).get("name")
    if name:
        return str(name)
    command = (jobspec.get("tasks") or [{}])[0].get("command") or ["job"]
    return str(command[0]).rsplit("/", 1)[-1] or "job"


def is_batch(jobspec: dict) -> bool:
    """An fxbatch job: ``flux broker`` running the script in ``files.script``."""
    command = (jobspec.get("tasks") or [{}])[0].get("command") or []
    return command[:2] == ["flux", "broker"] and "script" in _system(jobspec).get("files", {})


def sbatch_options(
    jobspec: dict, urgency: int, output_dir: str, array: str | None = None
) -> list[str]:
    """The sbatch options of a jobspec (``array``: ``--array`` indices of identical copies)."""
    system = _system(jobspec)
    shape = Shape(jobspec)
    options = [f"--job-name={job_name(jobspec)}", "--export=ALL", "--parsable"]
    if shape.nnodes:
        options.append(f"--nodes={shape.nnodes}")
    if shape.exclusive:
        options.append("--exclusive")
    options += [f"--ntasks={shape.ntasks}", f"--cpus-per-task={shape.cores}"]
    if shape.gpus:
        options.append(f"--gpus-per-task={shape.gpus}")
    duration = float(system.get("duration") or 0)
    if duration > 0:
        options.append(f"--time={max(1, math.ceil(duration / 60))}")
    if system.get("queue"):
        options.append(f"--partition={system['queue']}")
    if system.get("bank"):
        options.append(f"--account={system['bank']}")
    if system.get("cwd"):
        options.append(f"--chdir={system['cwd']}")
    if array is not None:
        options.append(f"--array={array}")
    own = "%A_%a" if array is not None else "%j"
    options += [f"--output={output_dir}/{own}.log", f"--error={output_dir}/{own}.log"]
    if is_batch(jobspec):  # the batch script's own output is the job's output
        output, _ = _io(jobspec)
        if "stdout" in output:
            stderr = output.get("stderr", output["stdout"])
            options.append(f"--output={file_pattern(output['stdout']['path'], array is not None)}")
            options.append(f"--error={file_pattern(stderr['path'], array is not None)}")
    options += _dependencies(system.get("dependencies") or [])
    signal = system.get("shell", {}).get("options", {}).get("signal")
    if signal:
        signum = signal.get("signum", 10) if isinstance(signal, dict) else 10
        timeleft = signal.get("timeleft", 60) if isinstance(signal, dict) else 60
        options.append(f"--signal={int(signum)}@{int(timeleft)}")
    if urgency == 0:
        options.append("--hold")
    elif urgency != 16:
        options.append(f"--nice={nice(urgency)}")
    options += constraint_options(system.get("constraints"))
    return options


def nice(urgency: int) -> int:
    """Flux's urgency (0-31, default 16, higher runs sooner) as Slurm's nice value."""
    return (16 - int(urgency)) * 100


def _dependencies(dependencies: list[dict]) -> list[str]:
    after: list[str] = []
    options = []
    for dep in dependencies:
        scheme, value = dep.get("scheme"), str(dep.get("value", ""))
        if scheme in DEPENDENCY_SCHEMES:
            after.append(f"{scheme}:{format_id(parse_id(value))}")
        elif scheme == "singleton":
            after.append("singleton")
        elif scheme == "begin-time":
            begin = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(float(value)))
            options.append(f"--begin={begin}")
    if after:
        options.insert(0, f"--dependency={','.join(after)}")
    return options


def constraint_options(constraint) -> list[str]:
    """RFC 31 constraints as ``--constraint``/``--nodelist`` (refusals.py vets them first)."""
    if not constraint:
        return []
    features: list[str] = []
    hosts: list[str] = []
    _collect(constraint, features, hosts)
    options = []
    if features:
        options.append(f"--constraint={'&'.join(features)}")
    if hosts:
        options.append(f"--nodelist={','.join(hosts)}")
    return options


def _collect(constraint: dict, features: list[str], hosts: list[str]) -> None:
    for operator, value in constraint.items():
        if operator == "properties":
            features.extend(str(v) for v in value)
        elif operator == "hostlist":
            hosts.extend(str(v) for v in value)
        elif operator == "and":
            for child in value:
                _collect(child, features, hosts)
        elif operator == "or":  # only properties under "or" pass refusals.py
            alternatives = [str(p) for child in value for p in child.get("properties", [])]
            features.append(f"[{'|'.join(alternatives)}]")


def _exports(environment: dict) -> tuple[list[str], list[str]]:
    """``export NAME=value`` lines, and ``NAME=value`` words for names sh cannot export."""
    lines, odd = [], []
    for name, value in environment.items():
        name, value = str(name), str(value)
        if _DROPPED_ENV.match(name):
            continue
        if _NAME.match(name):
            lines.append(f"export {name}={shlex.quote(value)}")
        else:
            odd.append(shlex.quote(f"{name}={value}"))
    return lines, odd


def srun_command(jobspec: dict, output_dir: str, array: bool) -> list[str]:
    """The srun line that runs every task, with the jobspec's I/O options."""
    shape = Shape(jobspec)
    argv = [
        '"$FX_SRUN"',
        "--export=ALL",
        f"--ntasks={shape.ntasks}",
        f"--cpus-per-task={shape.cores}",
    ]
    output, input_ = _io(jobspec)
    label = any(output.get(s, {}).get("label") for s in ("stdout", "stderr"))
    if label:
        argv.append("--label")
    own = '"$FX_OUT"'
    stdout = output.get("stdout")
    stderr = output.get("stderr")
    if stdout:
        argv.append(f"--output={shlex.quote(file_pattern(stdout['path'], array))}")
    else:
        argv.append(f"--output={own}.%t.out")
    if stderr:
        argv.append(f"--error={shlex.quote(file_pattern(stderr['path'], array))}")
    elif stdout:
        argv.append(f"--error={shlex.quote(file_pattern(stdout['path'], array))}")
    else:
        argv.append(f"--error={own}.%t.err")
    argv += _shell_options(_system(jobspec).get("shell", {}).get("options", {}))
    stdin = input_.get("stdin")
    if isinstance(stdin, dict) and stdin.get("type") == "file":
        argv.append(f"--input={shlex.quote(str(stdin['path']))}")
    command = (jobspec.get("tasks") or [{}])[0].get("command") or []
    # each task marks its start (kill() waits for the marks: a signal sent earlier is lost)
    argv += ["/bin/sh", "-c", shlex.quote(TASK_WRAPPER), "fx-task", '"$FX_OUT"']
    argv += [shlex.quote(str(word)) for word in command]
    return argv


def _shell_options(options: dict) -> list[str]:
    """srun's options for the shell options refusals.py lets through."""
    argv = []
    if options.get("mpi") in ("pmi2", "pmix"):
        argv.append(f"--mpi={options['mpi']}")
    timeout = options.get("exit-timeout")
    if timeout not in (None, "none"):
        from fluxcli.jobspec.fsd import parse_fsd

        seconds = timeout if isinstance(timeout, (int, float)) else parse_fsd(str(timeout))
        argv.append(f"--wait={max(1, math.ceil(seconds))}")
    if options.get("exit-on-error"):
        argv.append("--kill-on-bad-exit=1")
    affinity = options.get("cpu-affinity")
    if affinity is not None:
        argv.append("--cpu-bind=none" if affinity == "off" else "--cpu-bind=cores")
    taskmap = options.get("taskmap")
    scheme = taskmap.get("scheme") if isinstance(taskmap, dict) else taskmap
    if scheme == "cyclic":
        argv.append("--distribution=cyclic")
    return argv


# the batch script's environment becomes exactly the jobspec's: what sbatch and
# the login shell put there goes, Slurm's own variables stay
CLEAR_ENVIRONMENT = (
    "for fx_name in $(env | sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p'); do",
    '    case "$fx_name" in SLURM_* | SLURMD_*) ;; *) unset "$fx_name" 2>/dev/null ;; esac',
    "done",
)


# rlimit name → (dash's ulimit flag, bytes per unit); srun passes the limits on to tasks
ULIMITS = {
    "cpu": ("-t", 1),
    "fsize": ("-f", 512),
    "data": ("-d", 1024),
    "stack": ("-s", 1024),
    "core": ("-c", 512),
    "rss": ("-m", 1024),
    "as": ("-v", 1024),
    "nofile": ("-n", 1),
    "nproc": ("-p", 1),
    "memlock": ("-l", 1024),
}


def ulimit_lines(rlimits: dict) -> list[str]:
    """The jobspec's resource limits as soft ``ulimit`` settings (a limit above the hard one
    stays at the hard one, as a job shell's setrlimit fails)."""
    lines = []
    for name, value in rlimits.items():
        if name not in ULIMITS:
            continue
        flag, unit = ULIMITS[name]
        amount = "unlimited" if value in (-1, None) else str(max(0, int(value)) // unit)
        lines.append(f"ulimit -S {flag} {amount} 2>/dev/null")
    return lines


def runs_in_batch_step(jobspec: dict) -> bool:
    """One task on one node with nothing only srun does: it runs as the batch step itself
    (no job step to launch: Slurm starts such jobs several times faster)."""
    if is_batch(jobspec):
        return True
    shape = Shape(jobspec)
    if shape.ntasks != 1 or shape.nnodes > 1:
        return False
    options = _system(jobspec).get("shell", {}).get("options", {})
    return not (set(options) & {"output", "input", "mpi", "exit-timeout", "exit-on-error"}) and (
        options.get("cpu-affinity") is None and options.get("taskmap") is None
    )


def in_batch_step(command: str) -> list[str]:
    """Lines that run ``command`` as a child of the batch script and wait for it.

    Signals sent to the whole batch step (``scancel --full``) reach the command;
    the script only notes them and waits on, so its exit status is the command's.
    """
    return [
        "trap : HUP INT USR1 USR2 ALRM TERM",
        f"{command} &",
        "fx_pid=$!",
        'while :; do wait "$fx_pid"; rc=$?; kill -0 "$fx_pid" 2>/dev/null || break; done',
        "(exit $rc)",
    ]


def script(jobspec: dict, output_dir: str, array: bool = False) -> str:
    """The batch script sbatch runs for this jobspec."""
    system = _system(jobspec)
    shape = Shape(jobspec)
    exports, odd = _exports(system.get("environment") or {})
    lines = [
        "#!/bin/sh",
        "# generated by fluxcli's Slurm backend",
        'FX_SRUN="$(command -v srun)" FX_RM="$(command -v rm)" FX_ENV="$(command -v env)"',
        'FX_TMP="$(mktemp -d "${TMPDIR:-/tmp}/fx-job.XXXXXX")"',
        'FX_ID="${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID}"',
        'FX_ID="${FX_ID:-$SLURM_JOB_ID}"',
        f"FX_OUT={shlex.quote(output_dir)}/$FX_ID",
    ]
    if is_batch(jobspec):
        data = system["files"]["script"].get("data", "")
        if system["files"]["script"].get("encoding") == "base64":
            encoded = data
        else:
            encoded = base64.b64encode(str(data).encode()).decode()
        lines += [
            'base64 -d > "$FX_TMP/script" <<"FX_SCRIPT_END"',
            *[encoded[i : i + 76] for i in range(0, len(encoded), 76)],
            "FX_SCRIPT_END",
            'chmod 700 "$FX_TMP/script"',
        ]
    lines += [
        *CLEAR_ENVIRONMENT,
        *exports,
        *ulimit_lines(system.get("shell", {}).get("options", {}).get("rlimit") or {}),
        'export FLUX_JOB_ID="$FX_ID" FLUX_JOB_NNODES="$SLURM_JOB_NUM_NODES"',
        f'export FLUX_JOB_SIZE={shape.ntasks} FX_URI=slurm: FLUX_JOB_TMPDIR="$FX_TMP"',
    ]
    prefix = f'"$FX_ENV" {" ".join(odd)} ' if odd else ""
    if is_batch(jobspec):
        args = [shlex.quote(str(a)) for a in jobspec["tasks"][0]["command"][3:]]
        lines.append("export FLUX_TASK_RANK=0 FLUX_TASK_LOCAL_ID=0")
        lines += in_batch_step(f'{prefix}"$FX_TMP/script" {" ".join(args)}'.rstrip())
    elif runs_in_batch_step(jobspec):
        command = (jobspec.get("tasks") or [{}])[0].get("command") or []
        words = ["/bin/sh", "-c", shlex.quote(TASK_WRAPPER), "fx-task", '"$FX_OUT"']
        words += [shlex.quote(str(word)) for word in command]
        redirect = '< /dev/null > "$FX_OUT.0.out" 2> "$FX_OUT.0.err"'
        lines.append('export SLURM_PROCID=0 SLURM_LOCALID="${SLURM_LOCALID:-0}"')
        lines += in_batch_step(f"{prefix}{' '.join(words)} {redirect}")
    else:
        lines.append(prefix + " ".join(srun_command(jobspec, output_dir, array)))
    lines += ["rc=$?", '"$FX_RM" -rf "$FX_TMP"', "exit $rc", ""]
    return "\n".join(lines)
