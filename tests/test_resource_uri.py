"""fx resource list/info and fx uri, as flux resource list and flux uri print them."""

from __future__ import annotations

import os
import socket

import pytest

NCORES = len(os.sched_getaffinity(0))
HOST = socket.gethostname()


@pytest.fixture
def fx(private_fx):
    return private_fx


def test_resource_list_idle(fx):
    assert fx("fx", "resource", "list") == (
        0,
        "     STATE NNODES NCORES NGPUS NODELIST\n"
        f"      free      1 {NCORES:>6}     0 {HOST}\n"
        " allocated      0      0     0 \n"
        "      down      0      0     0 \n",
        "",
    )
    assert fx("fx", "resource", "list", "-o", "{state} {nnodes}", "-s", "free,all") == (
        0,
        "STATE NNODES\nfree 1\nall 1\n",
        "",
    )
    assert fx("fx", "resource", "list", "--skip-empty", "-n") == (
        0,
        f"      free      1 {NCORES:>6}     0 {HOST}\n",
        "",
    )
    assert fx("fx", "resource", "info") == (0, f"1 Nodes, {NCORES} Cores, 0 GPUs\n", "")


def test_resource_list_with_a_job_running(fx):
    code, out, _ = fx("fxsub", "sleep", "300")
    jobid = out.strip()
    assert fx("fx", "job", "wait-event", jobid, "start")[0] == 0
    code, out, _ = fx("fx", "resource", "list", "-no", "{state}:{ncores}:{nodelist}")
    free = f"free:{NCORES - 1}:{HOST if NCORES > 1 else ''}"
    assert (code, out.splitlines()) == (0, [free, f"allocated:1:{HOST}", "down:0:"])
    assert fx("fx", "resource", "list", "-s", "up", "-no", "{ncores} {ranks}") == (
        0,
        f"{NCORES} 0\n",
        "",
    )
    assert fx("fxcancel", jobid)[0] == 0


@pytest.mark.parametrize(
    "args,stderr",
    [
        (["list", "-s", "bogus"], "Invalid resource state bogus specified"),
        (["list", "-o", "{bogus}"], "Unknown format field: bogus"),
    ],
)
def test_resource_bad_input(fx, args, stderr):
    assert fx("fx", "resource", *args) == (1, "", f"fx resource: error: {stderr}\n")


def test_uri_of_nested_instance(fx):
    code, out, err = fx("fxalloc", "--bg", "-n1")
    assert code == 0, err
    jobid = out.strip()
    code, uri, _ = fx("fx", "uri", jobid)
    assert code == 0 and uri.startswith("local://") and uri.endswith("/local.sock\n")
    assert fx("fx", "uri", "--wait", f"jobid:{jobid}") == (0, uri, "")
    # the URI leads into the job's instance: its own (empty) job list
    assert fx("fxjobs", "-a", "-n", extra={"FX_URI": uri.strip()}) == (0, "", "")
    assert fx("fxcancel", jobid)[0] == 0
    assert fx("fx", "job", "wait-event", jobid, "clean")[0] == 0
    assert fx("fx", "uri", jobid) == (1, "", f"fx uri: error: jobid {jobid} is not running\n")


def test_uri_errors(fx):
    assert fx("fx", "uri", "bad!") == (1, "", "fx uri: error: bad! is not a valid Flux jobid\n")
    assert fx("fx", "uri", "ƒ123") == (1, "", "fx uri: error: jobid ƒ123 not found\n")
    code, out, _ = fx("fxsub", "sleep", "300")
    jobid = out.strip()
    assert fx("fx", "job", "wait-event", jobid, "start")[0] == 0
    assert fx("fx", "uri", jobid) == (1, "", f"fx uri: error: URI not found for job {jobid}\n")
    assert fx("fxcancel", jobid)[0] == 0
