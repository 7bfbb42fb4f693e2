"""Man pages for an editable install, which (unlike a regular one) installs none.

The first command run from an editable install inside a virtual environment
links the source tree's ``man/*.1`` into ``$VIRTUAL_ENV/share/man/man1``, where
``man`` looks for the pages of commands found in ``$VIRTUAL_ENV/bin``. Once the
running command's page is there this costs one ``stat``; pages added to the
tree later are linked by the first run of their command.
"""

from __future__ import annotations

import os
import sys


def link_man_pages(prog: str = "fxsub") -> None:
    """Link the source tree's man pages into the environment if ``prog``'s is missing there."""
    target = os.path.join(sys.prefix, "share", "man", "man1")
    if os.path.exists(os.path.join(target, f"{prog}.1")) or sys.prefix == sys.base_prefix:
        return  # installed already, or not a virtual environment (never touch the system's)
    source = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "man")
    try:
        pages = [name for name in os.listdir(source) if name.endswith(".1")]
        os.makedirs(target, exist_ok=True)
        for name in pages:
            link = os.path.join(target, name)
            if not os.path.lexists(link):
                os.symlink(os.path.join(source, name), link)
    except OSError:
        pass  # a read-only environment: man pages are a convenience, never an error
