"""RFC 36 submission directives embedded in batch scripts (``#FLUX: -N4``).

Besides the ``flux:``/``FLUX:`` tags, fluxcli also accepts ``fx:``/``FX:``.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass, field

_SENTINEL_RE = re.compile(r"^([^\w]*)((?:flux|FLUX|fx|FX):)(.*)$")
_TRIPLE = ('"""', "'''")
_PAIRED_RE = re.compile(r"(\"\"\"|''')(.*?)\1")


@dataclass
class Directive:
    """One directive: ``action`` is ``SETARGS`` (with ``args``) or ``NOOP``."""

    action: str
    lineno: int
    args: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.action}({self.args!r})"


def _split(value: str, lineno: int) -> list[str]:
    lexer = shlex.shlex(value, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.escapedquotes = "\"'"
    try:
        return list(lexer)
    except ValueError as exc:
        raise ValueError(f"line {lineno}: {value}: {exc}")


def _directive(value: str, lineno: int) -> Directive:
    value = _PAIRED_RE.sub(lambda m: shlex.quote(m.group(2)), value)
    if any(t in value for t in _TRIPLE):
        raise ValueError(f"line {lineno}: unclosed triple quote: {value}")
    args = _split(value, lineno)
    if not args:
        return Directive("NOOP", lineno)
    if not args[0].startswith("-"):
        raise ValueError(f"line {lineno}: Unknown directive: {value.strip()}")
    return Directive("SETARGS", lineno, args)


def parse_directives(text: str) -> list[Directive]:
    """Return the directives of a script, raising ValueError("line N: ...") on errors."""
    directives: list[Directive] = []
    sentinel = prefix = None
    disabled_after = None
    multiline: tuple[int, str, str, list[str]] | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        match = _SENTINEL_RE.match(line)
        if multiline is not None:
            start, head, quote, body = multiline
            if not match or match.group(1) + match.group(2) != sentinel:
                raise ValueError(
                    f"line {start}: unterminated multi-line quote at line {lineno}: `{head}'"
                )
            value = match.group(3)
            if value.strip().endswith(quote) and value.strip() == quote:
                content = textwrap.dedent("\n".join(body)) + "\n"
                directives.append(_directive(head + shlex.quote(content), start))
                multiline = None
            elif quote in value:
                raise ValueError(f"improperly terminated triple quoted string at: `{head}'")
            else:
                body.append(value)
            continue
        if not match:
            if sentinel is not None and disabled_after is None and line.strip():
                if not line.startswith(prefix.rstrip()):
                    disabled_after = lineno - 1
            continue
        this = match.group(1) + match.group(2)
        if sentinel is None:
            sentinel, prefix = this, match.group(1)
        elif this != sentinel:
            raise ValueError(
                f"line {lineno}: sentinel changed from '{sentinel}' to '{this}'\n"
                "All directives in a file must use the same sentinel. To comment out\n"
                "a directive, place a comment character AFTER the sentinel, e.g.\n"
                f"{sentinel} # {match.group(3).strip()}"
            )
        if disabled_after is not None:
            raise ValueError(
                f"line {lineno}: orphan '{match.group(2)}' detected: "
                f"directives disabled after line {disabled_after}"
            )
        value = match.group(3)
        stripped = value.rstrip()
        for quote in _TRIPLE:
            if stripped.endswith(quote) and stripped.count(quote) % 2 == 1:
                multiline = (lineno, stripped[: -len(quote)], quote, [])
                break
        else:
            directives.append(_directive(value, lineno))
    if multiline is not None:
        start, head, _, _ = multiline
        raise ValueError(f"line {start}: unterminated multi-line quote at line {lineno}: `{head}'")
    return directives
