"""Environment, rlimit, signal, URI, keyval, conf, add-file rules."""

import os
import resource
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxcli.jobspec import BatchConfig
from fluxcli.jobspec.conf import normalize_conf
from fluxcli.jobspec.envrules import get_filtered_environment
from fluxcli.jobspec.fileref import fileref, parse_add_file
from fluxcli.jobspec.keyval import parse_jobspec_keyval
from fluxcli.jobspec.rlimits import get_filtered_rlimits
from fluxcli.jobspec.signals import decode_signal, parse_signal_option
from fluxcli.jobspec.uri import dependency_array_create, parse_uri_arg

ENV = {"FOO_A": "1", "FOO_B": "2", "HOME": "/h", "PATH": "/bin"}


def test_env_rules_reference_example():
    env, expand = get_filtered_environment(
        ["-*", "/^FOO_A/", "X={{tmpdir}}/x", "Y=$FOO_B:z", "Z=$$HOME"], ENV
    )
    assert env == {"FOO_A": "1", "Y": "2:z", "Z": "$HOME"}
    assert expand == {"X": "{{tmpdir}}/x"}


def test_env_import_does_not_override():
    env, _ = get_filtered_environment(["-*", "FOO_A=5", "FOO_A"], ENV)
    assert env == {"FOO_A": "5"}


def test_env_file(tmp_path):
    rules = tmp_path / "rules"
    rules.write_text("-*\nFOO=bar\nBAR=${FOO}/baz\n")
    env, _ = get_filtered_environment([f"^{rules}"], ENV)
    assert env == {"FOO": "bar", "BAR": "bar/baz"}


def test_env_errors():
    with pytest.raises(ValueError, match=r"--env: Variable 'NOPE' not found in VAR=\$NOPE"):
        get_filtered_environment(["VAR=$NOPE"], ENV)
    with pytest.raises(ValueError, match="--env: Unable to substitute"):
        get_filtered_environment(["VAR=${X:-y}"], ENV)
    with pytest.raises(ValueError, match=r"--env: \[Errno 2\] No such file or directory: 'nofile'"):
        get_filtered_environment(["^nofile"], ENV)


def test_rlimits():
    limits = get_filtered_rlimits([])
    assert "memlock" not in limits and "core" in limits
    assert get_filtered_rlimits(["-*,core"]) == {"core": get_filtered_rlimits([])["core"]}
    assert get_filtered_rlimits(["-*", "nofile=1024", "stack=infinity"]) == {
        "nofile": 1024,
        "stack": -1,
    }
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert get_filtered_rlimits(["-*", "nofile"])["nofile"] == (
        -1 if soft == resource.RLIM_INFINITY else soft
    )
    with pytest.raises(ValueError, match='No corresponding rlimit matching "frobnitz"'):
        get_filtered_rlimits(["frobnitz"])
    with pytest.raises(ValueError, match='Invalid rlimit "frob"'):
        get_filtered_rlimits(["frob=1"])
    with pytest.raises(ValueError, match="Invalid value in core=bad"):
        get_filtered_rlimits(["core=bad"])


@pytest.mark.parametrize(
    "arg,want",
    [
        ("@", {"signum": 10, "timeleft": 60}),
        ("15", {"signum": 15, "timeleft": 60}),
        ("USR2@10m", {"signum": 12, "timeleft": 600.0}),
        ("15@1.5", {"signum": 15, "timeleft": 1.5}),
        ("SIGTERM@30s", {"signum": 15, "timeleft": 30.0}),
    ],
)
def test_signal_option(arg, want):
    assert parse_signal_option(arg) == want


@pytest.mark.parametrize(
    "arg,msg",
    [
        ("SIGFOO", "--signal=SIGFOO: signal 'SIGFOO' is invalid"),
        ("SIG", "signal 'SIG' is invalid"),
        ("-1", "--signal=-1: signal must be > 0"),
        ("@3y", "--signal=@3y: invalid Flux standard duration"),
    ],
)
def test_signal_errors(arg, msg):
    with pytest.raises(ValueError, match=msg):
        parse_signal_option(arg)


def test_decode_signal():
    assert decode_signal("USR1") == 10 and decode_signal(9) == 9 and decode_signal("9") == 9
    with pytest.raises(ValueError):
        decode_signal("NOTASIGNAL")


def test_dependency_uris():
    assert dependency_array_create(
        ["foo:1234", "foo:3.1415", "foo:f1?val=bar", "foo:f1?val=a&val=b"]
    ) == [
        {"scheme": "foo", "value": "1234"},
        {"scheme": "foo", "value": "3.1415"},
        {"scheme": "foo", "value": "f1", "val": "bar"},
        {"scheme": "foo", "value": "f1", "val": ["a", "b"]},
    ]
    assert parse_uri_arg("afterok:1?n=2&x=1.5", "dependency") == {
        "scheme": "afterok",
        "value": "1",
        "n": 2,
        "x": 1.5,
    }
    assert parse_uri_arg("cyclic", "taskmap") == {"scheme": "cyclic", "value": ""}
    with pytest.raises(ValueError, match='Invalid dependency URI ":foo"'):
        parse_uri_arg(":foo", "dependency")


@given(st.text(max_size=30))
def test_uri_only_value_errors(text):
    try:
        parse_uri_arg(text, "dependency")
    except ValueError:
        pass


def test_keyval(tmp_path):
    assert parse_jobspec_keyval("--setattr", "user.meep=false") == ("user.meep", False)
    assert parse_jobspec_keyval("--setattr", 'user.foo="xxx"') == ("user.foo", "xxx")
    assert parse_jobspec_keyval("--setattr", "user.foo2=yyy") == ("user.foo2", "yyy")
    assert parse_jobspec_keyval("--setattr", "foo") == ("foo", 1)
    assert parse_jobspec_keyval("--setopt", "x=[1,2]") == ("x", [1, 2])
    good = tmp_path / "a.json"
    good.write_text('{"a": 1}')
    assert parse_jobspec_keyval("--setattr", f"^user.x={good}") == ("user.x", {"a": 1})
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match=f"--setattr: {bad}: "):
        parse_jobspec_keyval("--setattr", f"^user.x={bad}")
    with pytest.raises(FileNotFoundError):
        parse_jobspec_keyval("--setattr", "^user.x=nosuchfile.json")


def test_batch_config(tmp_path, monkeypatch):
    conf = BatchConfig()
    assert conf.config is None
    conf.update("resource.noverify=true").update("resource.exclude=0").update('resource.name="0"')
    assert conf.config == {"resource": {"noverify": True, "exclude": 0, "name": "0"}}
    assert conf.get("resource.exclude") == 0 and conf.get("nonexistent.key", default="x") == "x"
    assert BatchConfig().update("[a]\nb = 1\n").config == {"a": {"b": 1}}
    assert BatchConfig().update('{"a": {"b": 2}}\n').config == {"a": {"b": 2}}
    assert BatchConfig().update("a=1").update("b=2").config == {"a": 1, "b": 2}
    with pytest.raises(ValueError, match="failed to parse multiline as TOML or JSON"):
        BatchConfig().update("[a\n")
    with pytest.raises(ValueError, match="named config 'noexist' not found"):
        BatchConfig().update("noexist")
    configdir = tmp_path / "flux" / "config"
    configdir.mkdir(parents=True)
    (configdir / "mine.toml").write_text("[x]\ny = 3\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert BatchConfig().update("mine").config == {"x": {"y": 3}}
    bad = tmp_path / "bad.toml"
    bad.write_text("[x\n")
    with pytest.raises(ValueError, match="--conf: parse error"):
        BatchConfig().update(str(bad))
    assert normalize_conf("a=1") == {"a": 1} and normalize_conf({"b": 1}) == {"b": 1}


def test_fileref(tmp_path):
    assert fileref({"a": 1}) == {"mode": stat.S_IFREG | 0o600, "data": {"a": 1}}
    with pytest.raises(ValueError, match="invalid encoding"):
        fileref("x", encoding="bad")
    binary = tmp_path / "bin"
    binary.write_bytes(b"\xff\x00\x01")
    entry = fileref(str(binary))
    assert entry["encoding"] == "base64" and entry["size"] == 3
    with pytest.raises(IsADirectoryError):
        fileref(str(tmp_path))
    assert parse_add_file("test:0700=#!/bin/sh\\ntrue\\n") == ("test", "#!/bin/sh\ntrue\n", 0o700)
    assert parse_add_file("add-file:test=data") == ("add-file:test", "data", None)
    assert parse_add_file("/a/b.txt") == ("b.txt", "/a/b.txt", None)
    with pytest.raises(ValueError, match="file name missing"):
        parse_add_file("a\\nb")
    assert os.path.exists(tmp_path)
