"""``#SBATCH`` directives of a Slurm batch script, as fluxcli's own options (every backend).

Read as sbatch reads them: ``#SBATCH`` lines at the top of the script, until
the first line that is neither blank nor a comment. Each option becomes the
fxbatch/fxsub option with the same meaning; one without an equivalent is a
ValueError naming the line and the option (the README's table lists both).
"""

from __future__ import annotations

import re
import shlex

# sbatch's short options that take a value → their long names
SHORT = {
    "-n": "--ntasks", "-N": "--nodes", "-c": "--cpus-per-task", "-t": "--time",
    "-J": "--job-name", "-p": "--partition", "-A": "--account", "-D": "--chdir",
    "-o": "--output", "-e": "--error", "-i": "--input", "-d": "--dependency",
    "-b": "--begin", "-C": "--constraint", "-w": "--nodelist", "-G": "--gpus",
    "-a": "--array", "-q": "--qos", "-H": "--hold", "-s": "--oversubscribe",
}  # fmt: skip
FLAGS = {"--hold", "--exclusive", "--oversubscribe", "-H", "-s"}
# same meaning, another name: sbatch option → fluxcli option (-n, -c, -g: tasks for
# fxsub, slots for fxbatch, as sbatch's tasks are)
RENAMED = {
    "--ntasks": "-n",
    "--cpus-per-task": "-c",
    "--gpus-per-task": "-g",
    "--ntasks-per-node": "--tasks-per-node",
    "--gpus-per-node": "--gpus-per-node",
    "--job-name": "--job-name",
    "--partition": "--queue",
    "--account": "--bank",
    "--chdir": "--cwd",
    "--input": "--input",
}
# options with no equivalent, and why
REFUSED = {
    "--mem": "fluxcli jobs do not request memory",
    "--mem-per-cpu": "fluxcli jobs do not request memory",
    "--mem-per-gpu": "fluxcli jobs do not request memory",
    "--array": "use --cc=IDS (each copy sees FLUX_JOB_CC)",
    "--qos": "there are no QOS in fluxcli",
    "--gpus": "GPUs are requested per task or per node (--gpus-per-task)",
    "--mail-type": "fluxcli sends no mail",
    "--mail-user": "fluxcli sends no mail",
    "--nice": "use --urgency",
    "--oversubscribe": "jobs do not share cores",
    "--wrap": "write the command in the script",
}
_DIRECTIVE = re.compile(r"^#SBATCH\s+(.*)$")
_PATTERN = re.compile(r"%(%|j|x|\w)")
TIME_UNITS = {"": 1, "second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def sbatch_directives(text: str) -> list[tuple[int, list[str]]]:
    """``(line number, fluxcli options)`` for each ``#SBATCH`` line (ValueError: refused)."""
    found = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if lineno == 1 and stripped.startswith("#!"):
            continue
        match = _DIRECTIVE.match(stripped)
        if match:
            try:
                words = shlex.split(match.group(1), comments=True)
            except ValueError as exc:
                raise ValueError(f"line {lineno}: {stripped}: {exc}") from None
            found.append((lineno, _translate_line(words, lineno, stripped)))
        elif stripped and not stripped.startswith("#"):
            break  # sbatch reads no directive after the first command
    return found


def _translate_line(words: list[str], lineno: int, line: str) -> list[str]:
    args: list[str] = []
    position = 0
    while position < len(words):
        word = words[position]
        name, sep, value = word.partition("=")
        if not name.startswith("--") and len(name) > 2 and name[:2] in SHORT:
            name, value, sep = name[:2], name[2:], "="  # -n4
        name = SHORT.get(name, name)
        if name not in FLAGS and not sep:
            position += 1
            if position >= len(words):
                raise ValueError(f"line {lineno}: {line}: {name} needs a value")
            value = words[position]
        try:
            args += translate(name, value)
        except ValueError as exc:
            raise ValueError(f"line {lineno}: {line}: {exc}") from None
        position += 1
    return args


def translate(name: str, value: str) -> list[str]:
    """One sbatch option as fluxcli options; ValueError says why it has no equivalent."""
    if name in RENAMED:
        return [RENAMED[name], value]
    if name in REFUSED:
        raise ValueError(f"{name} has no fluxcli equivalent: {REFUSED[name]}")
    if name == "--nodes":
        if not value.isdigit():
            raise ValueError(f"--nodes={value}: only a number of nodes has an equivalent")
        return [f"--nodes={value}"]
    simple = {
        "--exclusive": ["--exclusive"],
        "--hold": ["--urgency=hold"],
        "--time": lambda: [f"--time-limit={slurm_time(value)}s"],
        "--output": lambda: [f"--output={file_template(value)}"],
        "--error": lambda: [f"--error={file_template(value)}"],
        "--dependency": lambda: dependencies(value),
        "--begin": lambda: [f"--begin-time={begin_time(value)}"],
        "--constraint": lambda: [f"--requires={value.replace('&', ' ').replace('|', ' or ')}"],
        "--nodelist": lambda: [f"--requires=host:{value}"],
        "--export": lambda: exports(value),
        "--signal": lambda: [signal(value)],
    }
    if name in simple:
        made = simple[name]
        return made() if callable(made) else made
    raise ValueError(f"{name} has no fluxcli equivalent")


def slurm_time(text: str) -> int:
    """Slurm's time limit (``M``, ``M:S``, ``H:M:S``, ``D-H``, ``D-H:M``, ``D-H:M:S``) in seconds."""
    days, sep, rest = text.partition("-")
    if not sep:
        days, rest = "0", text
    parts = rest.split(":")
    if not days.isdigit() or not all(p.isdigit() for p in parts) or len(parts) > 3:
        raise ValueError(f"--time={text}: not a Slurm time")
    numbers = [int(p) for p in parts]
    if sep:  # D-H, D-H:M, D-H:M:S
        numbers += [0] * (3 - len(numbers))
        hours, minutes, seconds = numbers
    elif len(numbers) == 1:
        hours, minutes, seconds = 0, numbers[0], 0
    elif len(numbers) == 2:
        hours, minutes, seconds = 0, *numbers
    else:
        hours, minutes, seconds = numbers
    return ((int(days) * 24 + hours) * 60 + minutes) * 60 + seconds


def file_template(path: str) -> str:
    """sbatch's ``%j``/``%x`` as ``{{id}}``/``{{name}}``; other patterns have no equivalent."""

    def replace(match: re.Match) -> str:
        code = match.group(1)
        if code == "%":
            return "%"
        if code == "j":
            return "{{id}}"
        if code == "x":
            return "{{name}}"
        raise ValueError(f"the filename pattern %{code} has no fluxcli equivalent")

    return _PATTERN.sub(replace, path)


def dependencies(text: str) -> list[str]:
    """``afterok:1:2,singleton`` as ``--dependency`` options (``?`` alternatives refused)."""
    if "?" in text:
        raise ValueError("--dependency with '?' (any of) has no fluxcli equivalent")
    out = []
    for item in text.split(","):
        scheme, _, ids = item.partition(":")
        if scheme == "singleton":
            out.append("--dependency=singleton")
        elif scheme in ("after", "afterok", "afternotok", "afterany") and ids:
            out += [f"--dependency={scheme}:{jobid.split('+')[0]}" for jobid in ids.split(":")]
        else:
            raise ValueError(f"--dependency={item} has no fluxcli equivalent")
    return out


def begin_time(text: str) -> str:
    """``now+1hour``, ``now+60`` or an ISO time, as ``--begin-time`` takes it."""
    match = re.fullmatch(r"now\+(\d+)([a-z]*)", text)
    if match:
        unit = TIME_UNITS.get(match.group(2).removesuffix("s"))
        if unit is None:
            raise ValueError(f"--begin={text}: unknown unit '{match.group(2)}'")
        return f"+{int(match.group(1)) * unit}s"
    if re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d)?)?", text):
        return text
    raise ValueError(f"--begin={text}: only now+N[units] and YYYY-MM-DD[THH:MM[:SS]] are taken")


def exports(text: str) -> list[str]:
    """``--export``: NONE, ALL, or names and NAME=value (only those, unless ALL is among them)."""
    items = [i for i in text.split(",") if i]
    if items == ["ALL"]:
        return []
    out = [] if "ALL" in items else ["--env=-*"]
    for item in items:
        if item in ("ALL", "NONE"):
            continue
        out.append(f"--env={item}")
    return out


def signal(text: str) -> str:
    """``[R:]SIG[@T]`` as ``--signal=SIG@T`` (signals to the batch shell alone refused)."""
    head = text
    while head[:2] in ("R:", "B:"):
        if head.startswith("B:"):
            raise ValueError(
                f"--signal={text}: signals to the batch shell alone have no equivalent"
            )
        head = head[2:]
    sig, _, seconds = head.partition("@")
    return f"--signal={sig}@{seconds or 60}s"
