"""Built-in ``--resources-shape`` / ``--resources-json`` options."""

from __future__ import annotations

import json

from fluxcli.plugins.cliplugin import CLIPlugin


class ShapePlugin(CLIPlugin):
    """Replace the job's resources with an RFC 46 shape or a JSON resource list.

    --resources-shape=SHAPE   e.g. "node=2/slot=1/core=4" (RFC 46)
    --resources-json=FILE     a JSON list of resources, or an object whose
                              "resources" key holds one
    The tasks section is unchanged: slots should keep the default label "task".
    """

    def __init__(self, prog: str, prefix: str | None = "resources"):
        super().__init__(prog, prefix=prefix)
        self.add_option("--shape", metavar="SHAPE", help="Set resources to an RFC 46 shape")
        self.add_option("--json", metavar="FILE", help="Set resources from a JSON file")

    def preinit(self, args) -> None:
        if args.shape or args.json:
            args.nodes = 1

    def modify_jobspec(self, args, jobspec) -> None:
        if args.shape and args.json:
            raise ValueError(
                "`--resources-shape` and `--resources-json` are mutually exclusive "
                "arguments. Use only one."
            )
        if args.shape:
            from fluxcli.jobspec.shape import parse_shape

            jobspec.jobspec["resources"] = parse_shape(args.shape)
        elif args.json:
            with open(args.json) as handle:
                data = json.load(handle)
            if isinstance(data, dict) and "resources" in data:
                data = data["resources"]
            jobspec.jobspec["resources"] = data
