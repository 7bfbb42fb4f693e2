"""``fx resource list`` and ``fx resource info``: the instance's nodes, cores and GPUs by state."""

from __future__ import annotations

import click

from fluxcli.errors import FluxcliError

from .tools import click_run, open_backend

TOOL = "fx resource"
STATES = ("up", "down", "allocated", "free", "all")
FORMATS = {
    "default": (
        "{state:>10} ?+:{queue:<5} ?:{propertiesx:<10.10+} {nnodes:>6} "
        "+:{ncores:>6} ?+:{ngpus:>5} {nodelist}"
    ),
}
HEADINGS = {
    "state": "STATE",
    "queue": "QUEUE",
    "properties": "PROPERTIES",
    "propertiesx": "PROPERTIES",
    "nnodes": "NNODES",
    "ncores": "NCORES",
    "ngpus": "NGPUS",
    "ranks": "RANKS",
    "nodelist": "NODELIST",
}


class ResourceLine:
    """One state's resources: the attributes a format names."""

    queue = properties = propertiesx = ""

    def __init__(self, state: str, nodes: list[dict]):
        from fluxcli.jobspec.hostlist import encode_hostlist
        from fluxcli.jobspec.idset import encode_idset

        self.state = state
        nodes = sorted(nodes, key=lambda node: node["rank"])
        self.nnodes = len(nodes)
        self.ncores = sum(node["ncores"] for node in nodes)
        self.ngpus = sum(node["ngpus"] for node in nodes)
        self.nodelist = encode_hostlist([node["hostname"] for node in nodes])
        self.ranks = encode_idset(node["rank"] for node in nodes)


def merged(*groups: list[dict]) -> list[dict]:
    """Nodes of several states as one set: each node once, its cores and GPUs summed."""
    by_rank: dict[int, dict] = {}
    for group in groups:
        for node in group:
            seen = by_rank.setdefault(node["rank"], {**node, "ncores": 0, "ngpus": 0})
            seen["ncores"] += node["ncores"]
            seen["ngpus"] += node["ngpus"]
    return list(by_rank.values())


def resource_lines(by_state: dict[str, list[dict]], states: list[str]) -> list[ResourceLine]:
    """A line for each state asked for, in the order asked."""
    up = merged(by_state["free"], by_state["allocated"])
    nodes = {**by_state, "up": up, "all": merged(up, by_state["down"])}
    return [ResourceLine(state, nodes[state]) for state in states]


def parse_states(text: str) -> list[str]:
    """``-s STATE,...`` as a list, or the reference's error for an unknown state."""
    states = text.split(",")
    for state in states:
        if state not in STATES:
            raise FluxcliError(f"Invalid resource state {state} specified")
    return states


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def resource():
    """Show the resources of the instance."""


@resource.command("list")
@click.option("-o", "--format", "fmt", default="default", metavar="FORMAT", help="Output format")
@click.option(
    "-s",
    "--states",
    "--state",
    default="free,allocated,down",
    metavar="STATE,...",
    help="States to show: up, down, allocated, free, all (default: free,allocated,down)",
)
@click.option("-n", "--no-header", is_flag=True, help="Omit the header line")
@click.option("--skip-empty", is_flag=True, help="Leave out states with no resources")
def list_cmd(fmt, states, no_header, skip_empty):
    """List the resources in each state."""
    from fluxcli.views.formats import OutputFormat

    wanted = parse_states(states)
    try:
        formatter = OutputFormat(FORMATS.get(fmt, fmt), HEADINGS)
    except ValueError as exc:
        raise FluxcliError(str(exc)) from None
    lines = resource_lines(open_backend().resource_list(), wanted)
    if skip_empty:
        lines = [line for line in lines if line.nnodes]
    for _, text in formatter.lines(lines, no_header=no_header):
        click.echo(text)
    return 0


@resource.command()
@click.option("-s", "--states", "--state", default="all", metavar="STATE,...", help="States")
def info(states):
    """A line for each of STATES (default: all): its nodes, cores and GPUs."""
    for line in resource_lines(open_backend().resource_list(), parse_states(states)):
        click.echo(f"{line.nnodes} Nodes, {line.ncores} Cores, {line.ngpus} GPUs")
    return 0


def resource_main(argv: list[str]) -> int:
    """Entry point of ``fx resource``."""
    return click_run(resource, argv, TOOL)
