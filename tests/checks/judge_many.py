"""Judge many workspaces the way ``%check`` does: ``python judge_many.py [--path cold|warm] RUNS.json``.

RUNS.json holds a list of pytest argument lists. ``--path cold`` (the
default) runs each in a fresh ``python -m pytest``, as ``%check`` does without
a warm judge; ``--path warm`` runs each in a child of one warm judge, as
``%check`` does in a notebook, and fails if any run could not be warm. Prints
each run's output; writes one exit code per run to RUNS.json.codes.
"""
import argparse
import json
import sys
import time
from pathlib import Path

from catdog_lib.course.judge import checks_dir, run_cold
from catdog_lib.course.warm import WarmJudge

TIMEOUT = 900


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", choices=("cold", "warm"), default="cold")
    parser.add_argument("runs_file")
    options = parser.parse_args()
    runs = json.loads(Path(options.runs_file).read_text())
    checks = checks_dir()
    warm = WarmJudge(checks) if options.path == "warm" else None
    codes = []
    for args in runs:
        start = time.perf_counter()
        if warm is None:
            code, output = run_cold(args, checks.parent, TIMEOUT)
        else:
            ran = warm.run(args, checks.parent, TIMEOUT)
            if ran is None:
                sys.exit(f"judge_many: the warm judge could not judge: {warm.why_not}")
            code, output = ran
        codes.append(code)
        print(output, end="" if output.endswith("\n") else "\n")
        print(f"=== judge_many ({options.path}): exit code {code} in {time.perf_counter() - start:.1f} s", flush=True)
    if warm is not None:
        warm.stop()
    Path(options.runs_file + ".codes").write_text(json.dumps(codes))


if __name__ == "__main__":
    main()
