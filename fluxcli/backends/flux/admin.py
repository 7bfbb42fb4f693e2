"""The Flux backend's instance-wide requests: purging inactive jobs and resource states."""

from __future__ import annotations


def purge(handle, ids, age_limit, num_limit, force: bool, batch: int) -> tuple[int, int]:
    """job-manager's purge (by id, else by age and number); ``(count, inactive jobs left)``."""
    if ids is not None:
        count = 0
        for jobid in ids:
            payload = {"id": int(jobid), "force": int(bool(force))}
            count += handle.rpc("job-manager.purge-id", payload, nodeid=0).get()["count"]
    else:
        payload = {
            "age_limit": -1.0 if age_limit is None else float(age_limit),
            "num_limit": -1 if num_limit is None else int(num_limit),
            "batch": int(batch),
            "force": bool(force),
        }
        count = handle.rpc("job-manager.purge", payload, nodeid=0).get()["count"]
    left = handle.rpc("job-manager.stats-get", nodeid=0).get()["inactive_jobs"]
    return count, left


def resource_list(flux, handle) -> dict[str, list[dict]]:
    """The nodes with free, allocated and down resources (each with its share)."""
    from flux.resource import resource_list as fetch

    listing = fetch(handle).get()
    states = {}
    for state in ("free", "allocated", "down"):
        rset = getattr(listing, state)
        nodes = []
        for rank in rset.ranks:
            node = rset.copy_ranks(rank)
            nodes.append(
                {
                    "rank": rank,
                    "hostname": str(node.nodelist),
                    "ncores": node.ncores,
                    "ngpus": node.ngpus,
                }
            )
        states[state] = nodes
    return states
