"""Helpers shared by the benchmarks: a sandbox in its own process."""

import contextlib
import json
import socket
import subprocess
import sys
import time

import requests


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def sandbox_process(customers, fast=True, extra=()):
    """Run `syncdesk sandbox` in a child process; yields (base url, a function returning the
    Cin7 customers it holds)."""
    port = free_port()
    args = [sys.executable, "-c", "from web.cli import main; main()", "sandbox", "--port",
            str(port), "--customers", str(customers), *(["--fast"] if fast else []), *extra]
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                requests.get(f"{url}/_sandbox/stats", timeout=30).raise_for_status()
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the sandbox did not start")
        yield url, lambda: requests.get(f"{url}/_sandbox/cin7/customers", timeout=60).json()
    finally:
        child.terminate()
        child.wait(10)


def dump(path, data):
    with open(path, "w") as f:
        json.dump(data, f)
