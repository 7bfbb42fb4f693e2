"""The column titles of fxjobs' format fields (``flux jobs``' headings), and the
open-ended ``annotations.``, ``sched.``, ``user.`` and ``instance.`` fields."""

from __future__ import annotations

from fluxcli.jobspec.jobid import ENCODINGS

HEADINGS = {f"id.{encoding}": "JOBID" for encoding in ("", *ENCODINGS)}
HEADINGS["id"] = HEADINGS.pop("id.")
HEADINGS.update(
    userid="UID",
    username="USER",
    urgency="URG",
    priority="PRI",
    state="STATE",
    state_single="S",
    state_emoji="STATE",
    name="NAME",
    cwd="CWD",
    queue="QUEUE",
    project="PROJECT",
    bank="BANK",
    ntasks="NTASKS",
    ncores="NCORES",
    duration="DURATION",
    nnodes="NNODES",
    expiration="EXPIRATION",
    t_remaining="T_REMAINING",
    ranks="RANKS",
    nodelist="NODELIST",
    success="SUCCESS",
    result="RESULT",
    result_abbrev="RS",
    result_emoji="RESULT",
    runtime="RUNTIME",
    status="STATUS",
    status_abbrev="ST",
    status_emoji="STATUS",
    waitstatus="WSTATUS",
    returncode="RC",
    annotations="ANNOTATIONS",
    dependencies="DEPENDENCIES",
    contextual_info="INFO",
    contextual_time="TIME",
    inactive_reason="INACTIVE-REASON",
    sched="SCHED",
    user="USER",
    uri="URI",
    cputime="CPUTIME",
    maxrss="MAXRSS",
    output_paths="OUTPUT",
)
for _stamp in ("submit", "depend", "priority", "sched", "run", "cleanup", "inactive"):
    HEADINGS[f"t_{_stamp}"] = f"T_{_stamp.upper()}"
for _part in ("occurred", "severity", "type", "note"):
    HEADINGS[f"exception.{_part}"] = f"EXCEPTION-{_part.upper()}"
HEADINGS.update(
    {
        "annotations.sched.t_estimate": "T_ESTIMATE",
        "annotations.sched.reason_pending": "REASON",
        "annotations.sched.resource_summary": "RESOURCES",
        "sched.t_estimate": "T_ESTIMATE",
        "sched.reason_pending": "REASON",
        "sched.resource_summary": "RESOURCES",
        "uri.local": "URI",
        "instance.stats.total": "NJOBS",
        "instance.utilization": "CORE%",
        "instance.gpu_utilization": "GPU%",
        "instance.progress": "PROG",
    }
)
_TITLES = {"all": "CORES", "up": "UP", "down": "DOWN", "allocated": "USED", "free": "FREE"}
for _set, _title in _TITLES.items():
    for _kind in ("ncores", "ngpus", "nnodes"):
        title = (
            _title if _set != "all" else {"ncores": "CORES", "ngpus": "GPUS"}.get(_kind, "NODES")
        )
        HEADINGS[f"instance.resources.{_set}.{_kind}"] = title


def headings_for(fields) -> dict[str, str]:
    """HEADINGS, with titles made up for the open-ended ``annotations.``, ``sched.``,
    ``user.`` and ``instance.`` fields among ``fields``."""
    headings = dict(HEADINGS)
    for field in fields:
        if field in headings:
            continue
        if field.startswith("annotations."):
            headings[field] = field[len("annotations.") :].upper()
        elif field.startswith(("sched.", "user.")):
            headings[field] = field.upper()
        elif field.startswith("instance."):
            title = field[len("instance.") :].upper()
            headings[field] = title.removeprefix("RESOURCES.")
    return headings
