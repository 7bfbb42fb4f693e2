"""``python -m fluxcli.manpages [DIR]``: write every man page into DIR (default ``man``)."""

import sys

from fluxcli.manpages import write_all

for path in write_all(sys.argv[1] if len(sys.argv) > 1 else "man"):
    print(path)
