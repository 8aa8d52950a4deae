"""Judge many workspaces in one process: ``python judge_many.py RUNS.json``.

RUNS.json holds a list of pytest argument lists; each is run with
``pytest.main`` in turn, so torch is imported once for all of them. The
checks never change between runs, and every piece file is loaded afresh,
so reusing the process changes no verdict. Prints one exit code per run.
"""
import json
import sys
import time

import pytest


def main(runs_file):
    with open(runs_file) as f:
        runs = json.load(f)
    codes = []
    for args in runs:
        start = time.perf_counter()
        codes.append(int(pytest.main(args)))
        print(f"=== judge_many: exit code {codes[-1]} in {time.perf_counter() - start:.1f} s", flush=True)
    with open(runs_file + ".codes", "w") as f:
        json.dump(codes, f)


if __name__ == "__main__":
    main(sys.argv[1])
