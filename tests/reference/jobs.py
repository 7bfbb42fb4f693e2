"""fxjobs beside ``flux jobs``: jobs of every state and result, listed in every format."""

from __future__ import annotations

import re
import shlex

from . import Scenario

SETUP = """
$SUB --job-name=ok true >/dev/null
$SUB --job-name=bad sh -c 'exit 3' >/dev/null
$SUB --job-name=nf nosuchcommand_xyz >/dev/null
$SUB --job-name=killed sh -c 'kill -9 $$' >/dev/null
$SUB --job-name=verylongjobname12345 -n2 true >/dev/null
h=$($SUB --job-name=held --urgency=0 -t 5m true)
$SUB --job-name=dep --dependency=afterok:$h true >/dev/null
$SUB --job-name=later --begin-time=+1h true >/dev/null
c=$($SUB --job-name=tocancel --urgency=0 true)
$CANCEL -m "no reason" $c >/dev/null 2>&1
$SUB --job-name=to -t 1s sleep 30 >/dev/null
r=$($SUB --job-name=runcancel sleep 30)
$SUB --job-name=sig sh -c 'kill -TERM $$' >/dev/null
$SUB --job-name=exit200 sh -c 'exit 200' >/dev/null
$SUB --job-name=e126 /etc/passwd >/dev/null
sleep 1.5
$CANCEL $r >/dev/null 2>&1
sleep 2
"""

COMMANDS = [
    ["-a"],
    [],
    ["-a", "-o", "endreason"],
    ["-a", "-o", "deps"],
    ["-a", "-o", "long"],
    ["-a", "-o", "{name} {status_abbrev} {status} {state} {state_single} {result} {result_abbrev}"],
    ["-a", "-o", "{name} {ntasks} {ncores} {nnodes} {returncode} {waitstatus} {success}"],
    ["-a", "-o", "{name} {urgency} {priority} {ranks} {nodelist} {dependencies}"],
    ["-a", "-o", "{name} {exception.occurred} {exception.severity} {exception.type}"],
    ["-a", "-o", "{name} {exception.note} {returncode} {waitstatus} {inactive_reason}"],
    ["-a", "-o", "{name:<12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} {nnodes:>6h}"],
    ["-a", "-o", "{name} {inactive_reason} {contextual_info} {annotations} {sched}"],
    ["-a", "-o", "{name} {duration!F} {duration!H} {expiration!D} {t_remaining!F:>5h}"],
    ["-a", "-o", "?:{queue} +:{name} {sched.resource_summary:>10}|"],
    ["-a", "-n", "-o", "{name:>5.5+}|{ntasks:<4}|{ntasks:04d}|{priority:x}"],
    ["-a", "--sort=-name", "-o", "{name}"],
    ["-a", "--sort=nnodes,name", "-o", "{name} {nnodes}"],
    ["-a", "-o", "sort:-status_abbrev,name {name} {status_abbrev}"],
    ["-a", "-f", "failed", "-o", "{name}"],
    ["-f", "completed,canceled", "-o", "{name}"],
    ["-f", "pending,failed"],
    ["-a", "--name=bad"],
    ["-A", "-c", "2"],
    ["-a", "-c", "3"],
    ["-u", "12345", "-a"],
    ["--since=-1h", "-o", "{name}"],
    ["-a", "-w", "20", "-o", "{name} {name} {name}"],
    ["--stats-only"],
    ["-o", "{nosuchfield}"],
    ["-o", "nosuch name"],
    ["-o", "{name"],
    ["--sort=nosuchkey"],
    ["-a", "-f", "bogus"],
    ["-u", "nosuchuserxyz"],
    ["--json", "--stats"],
    ["--since=+1h"],
    ["fBADBADBAD"],
]

MASKS = [
    (r"flux-jobs: ERROR: ", "fxjobs: error: ", 0),
    (r"flux-jobs: WARNING: ", "fxjobs: warning: ", 0),
    (r" *ƒ[1-9A-HJ-NP-Za-km-z]+", " ID", 0),  # ids differ in length too
    (r"\b\d+(\.\d+)?[smhd]\b", "T", 0),
    (r"[A-Z][a-z]{2}\d{2} \d{2}:\d{2}", "DATE", 0),
    (r"begin@[\d:]+", "begin@TIME", 0),
    (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", "ISO", 0),
    # a job that ran under 1 ms shows "-" (0s): which side of 1 ms it lands on is timing
    (r" +(T|-) HOST$", " T HOST", re.M),
]


SCENARIO = Scenario("jobs", SETUP, ["$JOBS " + shlex.join(args) for args in COMMANDS], MASKS)
