"""The output format language (fluxcli.views.formats) and the job fields (views.jobfields)."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from fluxcli.backends.contract import JobRecord
from fluxcli.views.formats import FieldFormatter, OutputFormat, Timestamp
from fluxcli.views.jobfields import HEADINGS, Bytes, JobView, headings_for

NOW = 1_700_000_000.0


class Item:
    def __init__(self, **fields):
        self.__dict__.update(fields)


def fmt(text: str, **fields) -> str:
    return FieldFormatter().format(text, Item(**fields))


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        ("{0.t!F}", {"t": 90.0}, "1.5m"),
        ("{0.t!F}", {"t": ""}, ""),
        ("{0.t!H}", {"t": 3725.4}, "1:02:05"),
        ("{0.t!H}", {"t": 0.2}, "0:00:01"),  # nonzero never shows as zero
        ("{0.t!H}", {"t": ""}, ""),
        ("{0.p!P}", {"p": 0.5}, "50%"),
        ("{0.p!P}", {"p": 0.015}, "1.5%"),
        ("{0.p!P}", {"p": 0.0005}, "0.05%"),
        ("{0.t!D}", {"t": 0.0}, ""),
        ("{0.n:h}", {"n": ""}, "-"),
        ("{0.n:>4h}", {"n": "0s"}, "   -"),
        ("{0.n:>4h}", {"n": 12}, "  12"),
        ("{0.s:<5.5+}", {"s": "abcdefgh"}, "abcd+"),
        ("{0.s:<5.5+}", {"s": "abc"}, "abc  "),
        ("{0.t!d:%H::>6h}", {"t": 0.0}, "     -"),
        ("{0.t!d:%H::>6}", {"t": ""}, "      "),
    ],
)
def test_conversions_and_suffixes(text, fields, expected):
    assert fmt(text, **fields) == expected


def test_datetime_conversion_takes_strftime_then_spec():
    when = datetime(2024, 3, 5, 13, 31, 7).timestamp()
    assert fmt("{0.t!d:%H:%M:%S}", t=when) == "13:31:07"
    assert fmt("{0.t!d:%H:%M:%S::>10}", t=when) == "  13:31:07"
    assert fmt("{0.t!D}", t=when) == "2024-03-05T13:31:07"
    assert format(Timestamp.fromtimestamp(when), "") == "2024-03-05T13:31:07"


def test_unknown_conversion_is_an_error():
    with pytest.raises(ValueError, match="Unknown conversion specifier x"):
        fmt("{0.s!x}", s="a")


def test_unknown_field_and_sort_key():
    with pytest.raises(ValueError, match="^Unknown format field: nope$"):
        OutputFormat("{id} {nope}", HEADINGS)
    with pytest.raises(ValueError, match="^Invalid sort key: nope$"):
        OutputFormat("{id}", HEADINGS).set_sort_keys("name,nope")


def test_header_keeps_alignment_and_width_only():
    out = OutputFormat("{id.f58:>12} {ntasks:>6d} {t_run!d:%H::<9} x", HEADINGS)
    assert out.header() == "       JOBID NTASKS T_RUN     x"


def rows(fmt_text: str, items: list, no_header: bool = False) -> list[str]:
    return [line for _, line in OutputFormat(fmt_text, HEADINGS).lines(items, no_header)]


def test_question_prefix_drops_a_column_empty_for_all():
    items = [Item(name="a", queue=""), Item(name="b", queue="")]
    assert rows("{name} ?:{queue:<8}|", items) == ["NAME|", "a|", "b|"]  # its text goes too
    items[1].queue = "batch"
    assert rows("{name} ?:{queue:<8}|", items)[2] == "b batch   |"


def test_plus_prefix_widens_to_the_widest_value_or_title():
    items = [Item(name="averyveryverylongname"), Item(name="b")]
    assert rows("+:{name:<4.4}|", items) == [
        "NAME                 |",
        "averyveryverylongname|",
        "b                    |",
    ]
    assert rows("+:{name:<2.2}|", [Item(name="b")]) == ["NAME|", "b   |"]
    assert rows("+:{name:<2.2}|", [Item(name="b")], no_header=True) == ["b |"]
    assert rows("?+:{name}|", [Item(name="")], no_header=True) == ["|"]


def test_sort_prefix_and_mixed_values():
    items = [Item(name="b", ntasks=3), Item(name="a", ntasks=""), Item(name="c", ntasks=10)]
    assert rows("sort:-ntasks {name}", items, no_header=True) == ["c", "b", "a"]
    out = OutputFormat("{name}", HEADINGS)
    out.set_sort_keys("name")
    assert [i.name for i in out.sort(items)] == ["a", "b", "c"]


def test_documented_default_format_columns():
    # doc/man1/flux-jobs.rst: the default format, its header
    default = (
        "{id.f58:>12} ?:{queue:<8.8} +:{username:<8} {name:<10.10+} "
        "{status_abbrev:>2.2} {ntasks:>6} {nnodes:>6h} {contextual_time!F:>8h} {contextual_info}"
    )
    record = JobRecord(1 << 24, "INACTIVE", name="averylongname", userid=os.getuid())
    view = JobView(_finished(record))
    lines = [line for _, line in OutputFormat(default, HEADINGS).lines([view])]
    assert lines[0].split() == "JOBID USER NAME ST NTASKS NNODES TIME INFO".split()
    assert "averylongn+" not in lines[1] and "averylong+" in lines[1]


def _finished(record: JobRecord, **fields) -> JobRecord:
    values = dict(
        t_submit=NOW, t_run=NOW + 1, t_cleanup=NOW + 3, t_inactive=NOW + 3.1, result="COMPLETED"
    )
    values.update(fields)
    values.setdefault("waitstatus", 0)
    for key, value in values.items():
        setattr(record, key, value)
    return record


@pytest.mark.parametrize(
    ("fields", "reason", "code"),
    [
        ({"waitstatus": 0}, "Exit 0", 0),
        ({"waitstatus": 3 << 8, "result": "FAILED"}, "Exit 3", 3),
        ({"waitstatus": 127 << 8, "result": "FAILED"}, "command not found", 127),
        ({"waitstatus": 126 << 8, "result": "FAILED"}, "Command invoked cannot execute", 126),
        ({"waitstatus": 137 << 8, "result": "FAILED"}, "Killed", 137),
        ({"waitstatus": 9, "result": "FAILED"}, "Exit -9", -9),
        ({"waitstatus": None, "result": "CANCELED"}, "Canceled", -128),
        (
            {
                "waitstatus": None,
                "result": "CANCELED",
                "exception_type": "cancel",
                "exception_note": "bye",
                "exception_severity": 0,
            },
            "Canceled: bye",
            -128,
        ),
        (
            {
                "waitstatus": None,
                "result": "FAILED",
                "exception_type": "alloc",
                "exception_note": "no",
                "exception_severity": 0,
            },
            "Exception: type=alloc note=no",
            1,
        ),
        ({"waitstatus": 9, "result": "TIMEOUT"}, "Timeout", -9),
    ],
)
def test_inactive_reason_and_returncode(fields, reason, code):
    view = JobView(_finished(JobRecord(1, "INACTIVE"), **fields))
    assert (view.inactive_reason, view.returncode) == (reason, code)


def test_contextual_info_by_state():
    assert JobView(JobRecord(1, "PRIORITY")).contextual_info == "priority-wait"
    assert JobView(JobRecord(1, "SCHED", urgency=0)).contextual_info == "held"
    assert JobView(JobRecord(1, "SCHED", priority=0)).contextual_info == "priority-hold"
    assert JobView(JobRecord(1, "SCHED", priority=16)).contextual_info == ""
    deps = JobView(JobRecord(1, "DEPEND", dependencies=["afterok:f1", "after:f2"]))
    assert deps.contextual_info == "depends:afterok:f1,after:f2"
    assert JobView(JobRecord(1, "RUN", nodelist="n[0-1]")).contextual_info == "n[0-1]"


def test_id_encodings_and_states():
    view = JobView(JobRecord(1 << 24, "RUN", t_run=NOW), now=NOW + 2)
    assert fmt("{0.id.dec} {0.id.hex} {0.id.words}", id=view.id).startswith("16777216 0x1000000 ")
    assert (view.state_single, view.status, view.status_abbrev, view.runtime) == (
        "R",
        "RUN",
        "R",
        2.0,
    )
    assert view.t_remaining == 0.0 and view.result == "" and view.success == ""


def test_accounting_fields():
    view = JobView(_finished(JobRecord(1, "INACTIVE"), cputime=1.25, maxrss=3 << 20))
    view.output_paths.extend(["/tmp/out.1", "/tmp/err.1"])
    assert f"{view.maxrss}" == "3.0M" and f"{view.maxrss:>6}" == "  3.0M"
    assert f"{view.maxrss:d}" == str(3 << 20)
    assert str(view.output_paths) == "/tmp/out.1,/tmp/err.1"
    data = view.to_json()
    assert (data["cputime"], data["maxrss"], data["output_paths"]) == (
        1.25,
        3 << 20,
        ["/tmp/out.1", "/tmp/err.1"],
    )
    assert [str(Bytes(n)) for n in (0, 1023, 1024, 150 << 20, 5 << 30)] == [
        "0",
        "1023",
        "1.0K",
        "150M",
        "5.0G",
    ]


def test_json_leaves_out_unset_values():
    data = JobView(JobRecord(1 << 24, "SCHED", name="x", ntasks=1, ncores=1, urgency=0)).to_json()
    assert "t_run" not in data and "nnodes" not in data and "result" not in data
    assert data["exception"] == {"occurred": False}
    assert data["jobid"] == JobView(JobRecord(1 << 24, "SCHED")).id.f58
    assert data["priority"] == 0 and data["dependencies"] == []


def test_open_ended_headings():
    headings = headings_for(["annotations.user.foo", "sched.x", "instance.resources.up.ncores"])
    assert headings["annotations.user.foo"] == "USER.FOO"
    assert headings["sched.x"] == "SCHED.X"
    view = JobView(JobRecord(1, "RUN", annotations={"sched": {"resource_summary": "rank0/core0"}}))
    assert fmt("{0.sched.resource_summary}|{0.user.x}|{0.annotations}", **vars(view)) == (
        'rank0/core0||{"sched": {"resource_summary": "rank0/core0"}}'
    )


def test_begin_time_dependency_is_shown_as_a_time():
    from datetime import datetime

    when = datetime.now().replace(hour=23, minute=59, second=0, microsecond=0)
    deps = [f"begin-time={when.timestamp()}", "after-success=f1"]
    view = JobView(JobRecord(1, "DEPEND", dependencies=deps))
    assert str(view.dependencies) == "begin@23:59,after-success=f1"
    later = when.replace(second=30).timestamp() + 2 * 86400
    view = JobView(JobRecord(1, "DEPEND", dependencies=[f"begin-time={later}"]))
    assert str(view.dependencies) == f"begin@{datetime.fromtimestamp(later):%b%d}-23:59:30"
    assert view.priority == ""  # none before SCHED
