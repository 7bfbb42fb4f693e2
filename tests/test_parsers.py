"""RFC 35 constraints, RFC 46 shapes, RFC 36 directives."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fluxcli.jobspec.constraints import parse_constraint, requires_to_constraint
from fluxcli.jobspec.directives import parse_directives
from fluxcli.jobspec.shape import parse_shape


@pytest.mark.parametrize(
    "query,want",
    [
        ("foo,bar ^baz", {"properties": ["foo", "bar", "^baz"]}),
        ("gpu ib", {"properties": ["gpu", "ib"]}),
        ("host:node01", {"hostlist": ["node01"]}),
        ("b|-c", {"or": [{"properties": ["b"]}, {"not": [{"properties": ["c"]}]}]}),
        (
            "host:a[1-2] -rank:0 x,^y z|w",
            {
                "or": [
                    {
                        "and": [
                            {"hostlist": ["a[1-2]"]},
                            {"not": [{"ranks": ["0"]}]},
                            {"properties": ["x", "^y"]},
                            {"properties": ["z"]},
                        ]
                    },
                    {"properties": ["w"]},
                ]
            },
        ),
        (
            "(a or b) and c",
            {
                "and": [
                    {"or": [{"properties": ["a"]}, {"properties": ["b"]}]},
                    {"properties": ["c"]},
                ]
            },
        ),
        ("not host:foo", {"not": [{"hostlist": ["foo"]}]}),
        ("foo:'this is args'", {"foo": ["this is args"]}),
        (
            "a or b or c",
            {"or": [{"properties": ["a"]}, {"properties": ["b"]}, {"properties": ["c"]}]},
        ),
    ],
)
def test_constraints(query, want):
    assert parse_constraint(query) == want


@pytest.mark.parametrize(
    "query,msg",
    [
        ("&x", "Invalid token '&' at position 0"),
        ("a|", "Unexpected end of input in 'a|'"),
        ("(a", "Unclosed parenthesis in position 0"),
        ("-(a|b)", "Invalid token"),
        ("foo and a:", "Missing argument to token 'a:'"),
        ("'abc", "Unclosed quote"),
        ("f$o:x", "invalid character '\\$' in operator"),
    ],
)
def test_constraint_errors(query, msg):
    with pytest.raises(ValueError, match=msg):
        parse_constraint(query)


def test_requires_joins_values():
    assert requires_to_constraint(["foo,bar", "^baz"]) == {"properties": ["foo", "bar", "^baz"]}
    with pytest.raises(ValueError, match="--requires='&x': Invalid token"):
        requires_to_constraint(["&x"])


@given(st.text(max_size=40))
def test_constraint_parser_only_value_errors(text):
    try:
        parse_constraint(text)
    except ValueError:
        pass


@pytest.mark.parametrize(
    "shape,want",
    [
        (
            "slot=4/node",
            [{"type": "slot", "count": 4, "label": "task", "with": [{"type": "node", "count": 1}]}],
        ),
        (
            "slot=4{nodelevel}/node{-x}/socket=2+/core=4+",
            [
                {
                    "type": "slot",
                    "count": 4,
                    "label": "nodelevel",
                    "with": [
                        {
                            "type": "node",
                            "count": 1,
                            "exclusive": False,
                            "with": [
                                {
                                    "type": "socket",
                                    "count": "2+",
                                    "with": [{"type": "core", "count": "4+"}],
                                }
                            ],
                        }
                    ],
                }
            ],
        ),
        (
            "slot=2{4GB-node}/node/memory=4+{unit:GB}",
            [
                {
                    "type": "slot",
                    "count": 2,
                    "label": "4GB-node",
                    "with": [
                        {
                            "type": "node",
                            "count": 1,
                            "with": [{"type": "memory", "count": "4+", "unit": "GB"}],
                        }
                    ],
                }
            ],
        ),
        (
            "node=[2-4]{+x}/slot/core",
            [
                {
                    "type": "node",
                    "count": "2-4",
                    "exclusive": True,
                    "with": [
                        {
                            "type": "slot",
                            "count": 1,
                            "label": "task",
                            "with": [{"type": "core", "count": 1}],
                        }
                    ],
                }
            ],
        ),
    ],
)
def test_shapes(shape, want):
    assert parse_shape(shape) == want


@pytest.mark.parametrize(
    "shape,msg",
    [
        ("slot=2{blah", "Unclosed brace"),
        ("slot/", "Unexpected end of input"),
        ("slot=2{bla}}", "Invalid token"),
        ("[node", "Unclosed bracket"),
        ("node/[slot/core;slot/core]", "Multiple slots require labels"),
    ],
)
def test_shape_errors(shape, msg):
    with pytest.raises(ValueError, match=msg):
        parse_shape(shape)


@given(st.text(max_size=30))
def test_shape_parser_only_value_errors(text):
    try:
        parse_shape(text)
    except ValueError:
        pass


def test_directives():
    text = (
        "#!/bin/sh\n#FLUX: -N4  # Request four nodes\n#FLUX: --job-name='''It's a \"job\"'''\n#FLUX: # comment\n"
        '#FLUX: --output=Test[unquoted]\n#FLUX: --setattr=user.conf="""\n#FLUX:   [config]\n#FLUX:     item = "foo"\n'
        '#FLUX: """\nhostname\n'
    )
    assert [str(d) for d in parse_directives(text)] == [
        "SETARGS(['-N4'])",
        "SETARGS(['--job-name=It\\'s a \"job\"'])",
        "NOOP([])",
        "SETARGS(['--output=Test[unquoted]'])",
        "SETARGS(['--setattr=user.conf=[config]\\n  item = \"foo\"\\n'])",
    ]
    assert [str(d) for d in parse_directives("# flux: -n1\n#FX ignored\n")] == ["SETARGS(['-n1'])"]
    assert [str(d) for d in parse_directives("#FX: -n2\n")] == ["SETARGS(['-n2'])"]


@pytest.mark.parametrize(
    "text,msg",
    [
        ("#FLUX: -N1\n#flux: -n1\n", "line 2: sentinel changed from '#FLUX:' to '#flux:'"),
        (
            "#!/bin/sh\n#FLUX: -N1\nhostname\n#FLUX: -n1\n",
            "line 4: orphan 'FLUX:' detected: directives disabled after line 2",
        ),
        ('#FLUX: --job-name="foo\n', 'line 1:  --job-name="foo: No closing quotation'),
        ("#FLUX: foo\n", "line 1: Unknown directive: foo"),
        ("#FLUX: --x='''\n#FLUX: a\n", "unterminated multi-line quote"),
        ("#FLUX: --x='''a\n", "unclosed triple quote"),
    ],
)
def test_directive_errors(text, msg):
    with pytest.raises(ValueError, match=msg):
        parse_directives(text)


@given(st.text(max_size=40))
def test_every_text_parser_raises_only_value_or_type_errors(text):
    from fluxcli.jobspec.envrules import get_filtered_environment
    from fluxcli.jobspec.fsd import decode_duration
    from fluxcli.jobspec.idset import parse_idset
    from fluxcli.jobspec.keyval import parse_jobspec_keyval
    from fluxcli.jobspec.signals import parse_signal_option

    parsers = [
        parse_signal_option,
        decode_duration,
        parse_idset,
        parse_directives,
        lambda t: get_filtered_environment([t], {"A": "1"}),
        lambda t: parse_jobspec_keyval("--setopt", t.lstrip("^")),
    ]
    for parse in parsers:
        try:
            parse(text)
        except (ValueError, TypeError):
            pass
