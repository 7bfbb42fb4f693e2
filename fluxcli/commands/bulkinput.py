"""fxbulksubmit inputs: ``:::`` lists, ``::::`` files, ``+`` links, and ``{.%}``-style fields."""

from __future__ import annotations

import codecs
import itertools
import os
import sys

from fluxcli.errors import FluxcliError

LIST_SENTINEL = "::list::"


class InputString(str):
    """An input value whose attributes are GNU-parallel style transforms."""

    methods: dict = {}

    def __getattr__(self, name: str):
        if name == "%":
            return InputString(os.path.splitext(self)[0])
        if name == "/":
            return InputString(os.path.basename(self))
        if name == "//":
            return InputString(os.path.dirname(self))
        if name == "/%":
            return InputString(os.path.splitext(os.path.basename(self))[0])
        if name in self.methods:
            value = eval(self.methods[name], {}, {"x": str(self)})  # noqa: S307 - user-defined --define
            if isinstance(value, (list, tuple)):
                return LIST_SENTINEL.join(str(v) for v in value)
            return value
        raise ValueError(f"Unknown input string method '.{name}'")


def compile_defines(defines: list[str]) -> dict[str, str]:
    """``--define NAME=CODE`` to a name → code map (CODE must compile)."""
    methods = {}
    for item in defines or []:
        name, _, code = item.partition("=")
        if not _:
            raise FluxcliError(f"--define: expected NAME=CODE, got '{item}'")
        try:
            compile(code, "--define", "eval")
        except SyntaxError as exc:
            raise FluxcliError(f"--define={item}: {exc}")
        methods[name] = code
    return methods


def split_values(text: str, sep: str) -> list[str]:
    """Split stdin or a file by ``--sep`` (``none`` = whitespace); drop empty fields."""
    if sep.lower() == "none":
        return text.split()
    sep = codecs.decode(sep, "unicode_escape")
    return [v for v in text.split(sep) if v]


def parse_groups(words: list[str], sep: str) -> tuple[list[str], list[tuple[list[str], bool]]]:
    """Split COMMAND [::: A...] [:::: FILE] ... into the command and input lists."""
    command: list[str] = []
    groups: list[tuple[list[str], bool]] = []
    current = None
    for word in words:
        if word.startswith(":::"):
            current = ([], word.endswith("+"), word.rstrip("+"))
            groups.append(current)
            continue
        if current is None:
            command.append(word)
        else:
            current[0].append(word)
    lists = []
    for values, linked, kind in groups:
        if kind == "::::":
            if len(values) != 1:
                raise FluxcliError("Multiple args not allowed after ::::")
            source = values[0]
            text = sys.stdin.read() if source == "-" else open(source).read()
            values = split_values(text, sep)
        lists.append((values, linked))
    if not groups:
        lists.append((split_values(sys.stdin.read(), sep), False))
    return command or ["{}"], lists


def combinations(lists: list[tuple[list[str], bool]]) -> list[list[str]]:
    """The product of the lists (first varies slowest); linked lists ride along, cycled."""
    primary = [(i, values) for i, (values, linked) in enumerate(lists) if not linked]
    product = list(itertools.product(*(values for _, values in primary)))
    result = []
    for n, combo in enumerate(product):
        row: list = list(combo)
        for i, (values, linked) in enumerate(lists):
            if linked and values:
                row.insert(i, values[n % len(values)])
        result.append(row)
    return result
