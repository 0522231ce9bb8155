#!/usr/bin/env python3
"""The batch runner's own CPU per take, apart from the HTTP client's.

Runs `music-gen batch` in simulate mode, where a take goes through the same
runner (plan, journal with its synced "sent" group commits, limiter-free
dispatch to the worker, progress events, report) and the same take writing
(metadata JSON, atomic, fsynced) as in gcp mode, but makes no HTTP request,
no audio to decode, hash or write. The process's CPU time (user + system,
from wait4 through getrusage) over N takes, less that of a 1-take batch
(start-up, plan and report of a batch of one), divided by N - 1, is the
runner's share per take plus the worker's and the metadata writing's: an
upper bound on the runner's own share.

Usage: scripts/batch-runner-cpu.py BINARY [OUT_DIR] (OUT_DIR ideally on a
tmpfs of its own, so that fsync costs nothing). Prints one line per run.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def batch_file(n):
    lines = ["defaults:", "  genre: synthwave", "  duration_seconds: 60", "jobs:"]
    lines += [f'  - {{name: t{i}, text_input: "take {i}"}}' for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def run(binary, work, out_root, n, tag):
    spec = os.path.join(work, f"{tag}.yaml")
    with open(spec, "w") as f:
        f.write(batch_file(n))
    out = os.path.join(out_root, f"out-{tag}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MUSIC_GEN_", "GOOGLE_"))}
    env.update(HOME=work, XDG_STATE_HOME=os.path.join(work, "state"),
               XDG_CONFIG_HOME=os.path.join(work, "config"), XDG_DATA_HOME=os.path.join(work, "data"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([binary, "--mode", "simulate", "--presets-dir", os.path.join(work, "presets"),
                    "--output-dir", out, "batch", "--yes", "--json", "--jobs", "8", spec],
                   env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    subprocess.run(["rm", "-rf", out], check=True)
    return cpu, wall


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        out_root = sys.argv[2] if len(sys.argv) > 2 else work
        run(binary, work, out_root, 1, "warm")
        for n in (100, 1000):
            per_take = []
            for i in range(3):
                base, _ = run(binary, work, out_root, 1, f"one-{n}-{i}")
                cpu, wall = run(binary, work, out_root, n, f"many-{n}-{i}")
                per_take.append((cpu - base) / (n - 1) * 1000)
                print(f"{n} takes: {cpu:.3f} s CPU, {wall:.2f} s wall; 1 take: {base:.3f} s CPU; "
                      f"{per_take[-1]:.3f} ms CPU per take")
            print(f"{n} takes: median {statistics.median(per_take):.3f} ms CPU per take")


if __name__ == "__main__":
    main()
