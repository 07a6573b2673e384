"""`make bench`: every benchmark in turn, each printing its figures."""

import importlib
import subprocess
import sys

BENCHES = ["bench.export", "bench.bench_sales", "bench.bench_panel",
           "bench.bench_webhook_latency", "bench.bench_matching", "bench.bench_salesforce",
           "bench.bench_capsule"]


def main():
    for name in BENCHES:
        try:
            importlib.util.find_spec(name)
        except ModuleNotFoundError:
            continue
        if importlib.util.find_spec(name) is None:
            continue
        print(f"\n### {name}", flush=True)
        # Each in its own process, so one's memory and threads don't colour another's figures.
        subprocess.run([sys.executable, "-m", name], check=False)


if __name__ == "__main__":
    main()
