"""How long ``pytest checks --reference`` takes: ``python bench/bench_checks.py [--repeat N]``.

Runs the learner's command in a fresh process (as ``%check`` and a terminal
do), N times, and prints each wall time and the best; also the time with
``-p no:nbval`` (nbval, when installed, is loaded by every pytest and imports
Jupyter). The target is under 30 s on the course machine.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(args):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "checks", "--reference", "-q", "-p", "no:cacheprovider",
                           *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"pytest checks --reference failed:\n{done.stdout[-3000:]}")
    return elapsed, done.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for label, extra in (("pytest checks --reference", []), ("  ... -p no:nbval", ["-p", "no:nbval"])):
        times = []
        for _ in range(args.repeat):
            elapsed, last = timed(extra)
            times.append(elapsed)
        print(f"{label:<28} best {min(times):5.1f} s   all {', '.join(f'{t:.1f}' for t in times)}   ({last})")


if __name__ == "__main__":
    main()
