"""fxwatch beside ``flux watch`` off a terminal: output, final statuses, events, exit codes
and the selection options, on finished jobs of every kind."""

from __future__ import annotations

import re

from . import Scenario

# every job has finished before the first step (so -a finds none active)
SETUP = """
ok=$($SUB sh -c 'echo out1; echo err1 >&2')
five=$($SUB sh -c 'echo out2; exit 5')
e200=$($SUB sh -c 'exit 200')
killed=$($SUB sh -c 'kill -9 $$')
term=$($SUB sh -c 'kill -TERM $$')
nf=$($SUB nosuchcommand_xyz)
noexec=$($SUB /etc/passwd)
to=$($SUB -t 1s sleep 30)
two=$($SUB -n2 sh -c 'echo task$FLUX_TASK_RANK; echo warn$FLUX_TASK_RANK >&2')
pc=$($SUB --urgency=hold true)
$CANCEL $pc
run=$($SUB sleep 30)
$JOB wait-event $run start
$CANCEL $run
for j in $ok $five $e200 $killed $term $nf $noexec $to $two $pc $run; do
  $JOB wait-event $j clean
done
"""

STEPS = [
    "$WATCH $ok",
    "$WATCH $five",
    "$WATCH $e200",
    "$WATCH $killed",
    "$WATCH $term",
    "$WATCH $nf",
    "$WATCH $noexec",
    "$WATCH $to",
    "$WATCH $pc",
    "$WATCH $run",
    "$WATCH $two",
    "$WATCH -l $two",
    "$WATCH $ok $five",
    "$WATCH -l $ok $five",
    "$WATCH --label-io $ok $killed $nf",
    "$WATCH -v $ok",
    "$WATCH -v $ok $five $killed",
    "$WATCH -v -l $five $to",
    "$WATCH -vv $five",
    "$WATCH --progress $ok $five",
    "$WATCH --progress --jps $five",
    "$WATCH ƒ123456",
    "$WATCH $ok ƒ123456",
    "$WATCH bad!",
    "$WATCH -a",
    "$WATCH",
    "$WATCH -c 2",
    "$WATCH --filter=bogus",
    "$WATCH -f bogus,running",
    "$WATCH -f failed",
    "$WATCH -f completed",
    "$WATCH -f canceled",
    "$WATCH -f timeout",
    "$WATCH -A -c 1",
    "$WATCH -A",
    "$WATCH --since=-1h",
    "$WATCH --since=+1h",
    "$WATCH --since=bogus",
    "$WATCH -a $ok",
]

MASKS = [
    (r"^usage: flux-watch .*\n(?: .*\n)*", "USAGE\n", re.M),  # argparse's synopsis
    (r"^Usage: fxwatch .*\n", "USAGE\n", re.M),  # click's
    (r"^flux-watch: INFO: ", "fxwatch: ", re.M),
    (r"^flux-watch: (ERROR|error): ", "fxwatch: error: ", re.M),
    (r"^flux-watch: WARNING: ", "fxwatch: warning: ", re.M),
    (r"'flux watch --help'", "'fxwatch --help'", 0),
    (r"-shell-f[1-9A-HJ-NP-Za-km-z]+", "-shell-ID", 0),
    (r"ƒ[1-9A-HJ-NP-Za-km-z]+", "ID", 0),
    (r"\b\d+\.\d{3}s\b", "T", 0),
    (r'"userid":\d+', '"userid":N', 0),
]

# several jobs' (or tasks') output, the main and exec eventlogs, an exception and the
# shell's message about it (the eventlog and the output eventlog) interleave freely
UNORDERED = [
    "$WATCH $nf",
    "$WATCH $noexec",
    "$WATCH -v $ok",
    "$WATCH $two",
    "$WATCH $ok $five",
    "$WATCH -l $ok $five",
    "$WATCH --progress $ok $five",
    "$WATCH -l $two",
    "$WATCH -v $ok $five $killed",
    "$WATCH -v -l $five $to",
    "$WATCH --label-io $ok $killed $nf",
    "$WATCH -vv $five",
    "$WATCH -f failed",
    "$WATCH -f completed",
    "$WATCH -f canceled",
    "$WATCH -A",
    "$WATCH --since=-1h",
]

SCENARIO = Scenario("watch", SETUP, STEPS, MASKS, UNORDERED)
