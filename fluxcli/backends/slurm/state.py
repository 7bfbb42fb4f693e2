"""What the Slurm backend keeps of its jobs that Slurm does not: one JSON file a job.

The directory is ``$FX_STATE_DIR/slurm/CLUSTER`` (``$XDG_STATE_HOME/fluxcli``
by default): ``jobs/ID.json`` holds the jobspec, submit time, urgency, cancel
reason and, once seen, the job's final snapshot (so the result stays known
after Slurm forgets a job on a cluster without accounting); ``out/`` holds
a directory per submission with the tasks' output files
(``ID.RANK.out``/``.err``) and each job's own log.
It must be on a file system the cluster's nodes share (a home directory).
"""

from __future__ import annotations

import json
import os
import time


def state_root() -> str:
    """$FX_STATE_DIR, else $XDG_STATE_HOME/fluxcli (~/.local/state/fluxcli)."""
    if os.environ.get("FX_STATE_DIR"):
        return os.environ["FX_STATE_DIR"]
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(base, "fluxcli")


def cluster_name() -> str:
    """The ClusterName of the slurm.conf clients read ($SLURM_CONF), read without asking Slurm."""
    path = os.environ.get("SLURM_CONF") or "/etc/slurm/slurm.conf"
    try:
        with open(path) as handle:
            for line in handle:
                key, sep, value = line.partition("=")
                if sep and key.strip().lower() == "clustername":
                    return value.split("#")[0].strip() or "cluster"
    except OSError:
        pass
    return "cluster"


class JobFiles:
    """The state directory of one cluster."""

    def __init__(self, cluster: str):
        self.root = os.path.join(state_root(), "slurm", cluster)
        self.jobs = os.path.join(self.root, "jobs")
        self.out = os.path.join(self.root, "out")
        for path in (self.jobs, self.out):
            os.makedirs(path, mode=0o700, exist_ok=True)

    def _path(self, name: str) -> str:
        return os.path.join(self.jobs, f"{name}.json")

    def load(self, name: str) -> dict:
        """The saved fields of job ``name`` ({} if none)."""
        try:
            with open(self._path(name)) as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return {}

    def save(self, name: str, fields: dict) -> None:
        """Write the whole record of job ``name`` (atomically)."""
        path = self._path(name)
        temp = f"{path}.{os.getpid()}.tmp"
        with open(temp, "w") as handle:
            json.dump(fields, handle, separators=(",", ":"))
        os.replace(temp, path)

    def update(self, name: str, **fields) -> dict:
        """Add ``fields`` to the record of job ``name``; the whole record."""
        saved = self.load(name)
        saved.update(fields)
        self.save(name, saved)
        return saved

    def names(self) -> list[str]:
        """Every job with a record."""
        return [f[:-5] for f in os.listdir(self.jobs) if f.endswith(".json")]

    def new_output_dir(self) -> str:
        """A directory of its own for the output of the jobs of one submission (Slurm's ids
        start again from 1 when its state is reset: old files must never be taken for new)."""
        import tempfile

        return tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-"), dir=self.out)

    def output_file(self, name: str, rank: int, stream: str, out_dir: str) -> str:
        """Where task ``rank`` of job ``name`` writes ``stream`` by default."""
        return os.path.join(out_dir, f"{name}.{rank}.{'out' if stream == 'stdout' else 'err'}")
