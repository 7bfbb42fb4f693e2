"""The man pages of every fluxcli tool: one table of pages, one writer, the roff pieces.

``python -m fluxcli.manpages DIR`` writes every page into DIR (``man`` in the
source tree). Options come from the click commands themselves, so a page
never misses one; the prose of each group of tools is in its own module
(submission, listing, views, control), each with a ``render(name)``.
"""

from __future__ import annotations

import os

# page name -> the module (in this package) whose render(name) writes it
PAGES = {
    "fxsub": "submission",
    "fxrun": "submission",
    "fxbatch": "submission",
    "fxalloc": "submission",
    "fxbulksubmit": "submission",
    "fxjobs": "listing",
    "fx-pgrep": "listing",
    "fxwatch": "views",
    "fx-top": "views",
    "fxcancel": "control",
    "fx": "control",
}


def render(name: str) -> str:
    """The roff source of the page ``name`` (``fxsub``, ``fx-top``, ...)."""
    import importlib

    return importlib.import_module(f"{__name__}.{PAGES[name]}").render(name)


def write_all(directory: str) -> list[str]:
    """Write every page as ``NAME.1`` into ``directory``; return their paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name in PAGES:
        path = os.path.join(directory, f"{name}.1")
        with open(path, "w") as handle:
            handle.write(render(name))
        paths.append(path)
    return paths


def esc(text: str) -> str:
    """``text`` safe in roff: backslashes and hyphens escaped, no line taken for a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(
        ("\\&" + line) if line.startswith((".", "'")) else line for line in text.split("\n")
    )


def paragraphs(text: str) -> str:
    """``text`` escaped, its ``\\n.PP\\n`` paragraph breaks kept."""
    return "\n.PP\n".join(esc(part) for part in text.split("\n.PP\n"))


def title(name: str) -> str:
    """The ``.TH`` line of a page."""
    return f'.TH {name.upper()} 1 "" "fluxcli" "fluxcli manual"'


def items(pairs, font: str = "B") -> list[str]:
    """A ``.TP`` item for each ``(term, text)``; ``font`` B (bold) or I (italic) for the term."""
    return [f".TP\n.{font} {esc(term)}\n{esc(text)}" for term, text in pairs]


def examples(pairs) -> list[str]:
    """An indented, unfilled example for each ``(what it does, command line)``."""
    return [f".PP\n{esc(text)}\n.PP\n.RS\n.nf\n{esc(line)}\n.fi\n.RE" for text, line in pairs]


def option_items(command, name: str) -> list[str]:
    """A ``.TP`` item for each option of a click command, as its --help shows it."""
    import click

    ctx = click.Context(command, info_name=name)
    records = (p.get_help_record(ctx) for p in command.params if isinstance(p, click.Option))
    return items((opts, text or "") for opts, text in filter(None, records))


def tool_command(module: str, attr: str):
    """The click command ``attr`` of ``module``, with the --backend option it runs with."""
    import importlib

    from fluxcli.commands.tools import add_backend_option

    command = getattr(importlib.import_module(module), attr)
    add_backend_option(command)
    return command
