"""How long a learner waits for a verdict: ``python bench/bench_checks.py [--repeat N] [--profile]``.

Runs the magics as a learner does, in an IPython shell with ``%load_ext
catdog_lib`` and a workspace holding the ten reference pieces:

- ``%check split_items`` cold (a fresh ``python -m pytest``; ``CATDOG_WARM_JUDGE=0``)
  and warm (a child forked from the warm judge), median of N runs each;
- ``%progress`` (all ten pieces) warm, median of N;
- the first ``%check`` right after ``%load_ext`` (it waits for the warm judge's imports);
- the memory the warm process holds (RSS and PSS, from /proc);
- where a warm judgement's time goes: fork and answer, pytest's start-up and
  collection, the checks themselves (pytest's own count), the JSON;
- ``--profile``: cProfile of a warm child's ``pytest.main`` (one piece, then ten), top entries.

Also ``pytest checks --reference`` from a terminal (``--terminal``), as before.
Targets on the course machine: warm ``%check`` under 1 s (moonshot 0.3 s),
warm ``%progress`` under 2 s. The CPU may be shared: the load average is printed.
"""
import argparse
import inspect
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from catdog_lib.course import warm  # noqa: E402
from catdog_lib.course.judge import checks_dir, pytest_args  # noqa: E402
from catdog_lib.course.pieces import PIECE_NAMES, PRELUDE_IMPORTS, reference  # noqa: E402


def load():
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def memory(pid):
    """``(RSS MiB, PSS MiB)`` of a process, from /proc/PID/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        fields[key] = int(value.split()[0]) / 1024
    return fields["Rss"], fields["Pss"]


def timed_cell(shell, source):
    from IPython.utils.capture import capture_output

    start = time.perf_counter()
    with capture_output() as out:
        result = shell.run_cell(source, store_history=False)
    elapsed = time.perf_counter() - start
    shown = "\n".join(o.data.get("text/plain", "") for o in out.outputs)
    if not result.success:
        sys.exit(f"{source} failed:\n{out.stdout}{out.stderr}{shown}")
    return elapsed, shown


def median_of(shell, source, repeat):
    times = [timed_cell(shell, source)[0] for _ in range(repeat)]
    return statistics.median(times), times


def phases(judge_, workspace, names, repeat):
    """Median seconds of each part of one warm judgement of ``names``, from outside the child."""
    import json

    checks = checks_dir()
    rows = {"fingerprint": [], "fork and first answer": [], "child: pytest start-up, collection, exit": [],
            "child: the checks (pytest's count)": [], "read the JSON": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "v.json"
        args = pytest_args(checks, workspace, names, False, out) + ["--durations=0", "-vv"]
        for _ in range(repeat):
            t0 = time.perf_counter()
            warm.fingerprint(checks)
            t1 = time.perf_counter()
            judge_.channel.send({"args": args, "cwd": str(checks.parent), "env": dict(os.environ)})
            judge_.channel.receive(deadline=time.monotonic() + 60)
            t2 = time.perf_counter()
            done = judge_.channel.receive(deadline=time.monotonic() + 600)
            t3 = time.perf_counter()
            json.loads(out.read_text())
            t4 = time.perf_counter()
            checks_time = sum(float(line.split("s ", 1)[0]) for line in done["output"].splitlines()
                              if line[:1].isdigit() and "s " in line and ("call " in line or "setup " in line
                                                                          or "teardown " in line))
            rows["fingerprint"].append(t1 - t0)
            rows["fork and first answer"].append(t2 - t1)
            rows["child: the checks (pytest's count)"].append(checks_time)
            rows["child: pytest start-up, collection, exit"].append(t3 - t2 - checks_time)
            rows["read the JSON"].append(t4 - t3)
    return {key: statistics.median(values) for key, values in rows.items()}


def profile_child(workspace, names, top=30):
    """cProfile of ``pytest.main`` judging ``names`` in a child forked after the warm judge's own warm-up."""
    import gc

    checks = checks_dir()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.chdir(checks.parent)
    saved = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the collection's list of checks
    warm._warm_up(checks)
    sys.stdout.flush()
    os.dup2(saved, 1)
    gc.collect()
    gc.freeze()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        import cProfile
        import io
        import pstats

        import pytest

        os.close(read)
        with tempfile.TemporaryDirectory() as tmp:
            profile = cProfile.Profile()
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            profile.enable()
            pytest.main(pytest_args(checks, workspace, names, False, Path(tmp) / "v.json"))
            profile.disable()
            sys.stdout.flush()
            os.dup2(saved, 1)
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(top)
        os.write(write, text.getvalue().encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode()


def terminal(repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "checks", "--reference", "-q", "-p", "no:cacheprovider",
                               "-p", "no:nbval"], cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"pytest checks --reference failed:\n{done.stdout[-3000:]}")
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="also profile one warm child")
    parser.add_argument("--terminal", action="store_true", help="also time pytest checks --reference")
    args = parser.parse_args()
    from IPython.core.interactiveshell import InteractiveShell

    print(f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min) at the start: {load()}")
    workspace = Path(tempfile.mkdtemp(prefix="bench_checks_ws_"))
    for name in PIECE_NAMES:
        (workspace / f"{name}.py").write_text(textwrap.dedent(inspect.getsource(reference(name))))
    os.environ["CATDOG_WORKSPACE"] = str(workspace)
    os.chdir(ROOT)

    shell = InteractiveShell.instance()
    os.environ["CATDOG_WARM_JUDGE"] = "0"  # first the cold path: no warm judge starts
    timed_cell(shell, "%load_ext catdog_lib\n" + PRELUDE_IMPORTS)
    cold, cold_all = median_of(shell, "%check split_items", args.repeat)

    del os.environ["CATDOG_WARM_JUDGE"]
    start = time.perf_counter()
    warm.start_in_background()
    timed_cell(shell, "%check split_items")
    first_total = time.perf_counter() - start  # from starting the warm judge to the first verdict
    judge_ = warm.shared(checks_dir(), start=False)
    runs_before = judge_.warm_runs
    hot, hot_all = median_of(shell, "%check split_items", args.repeat)
    progress, progress_all = median_of(shell, "%progress", args.repeat)
    assert judge_.warm_runs == runs_before + 2 * args.repeat, judge_.why_not
    rss, pss = memory(judge_.pid)
    kernel_rss, kernel_pss = memory(os.getpid())
    one = phases(judge_, workspace, ["split_items"], args.repeat)
    ten = phases(judge_, workspace, PIECE_NAMES, args.repeat)

    def row(label, median, times):
        return f"| {label} | {median:.2f} | {', '.join(f'{t:.2f}' for t in times)} |"

    print()
    print("| what | median s | all runs s |")
    print("|---|---:|---|")
    print(row("`%check split_items` cold (fresh process)", cold, cold_all))
    print(row("`%check split_items` warm", hot, hot_all))
    print(row("`%progress`, ten pieces, warm", progress, progress_all))
    print(f"| first `%check` after starting the warm judge (waits for its imports) | {first_total:.2f} | |")
    print()
    print(f"warm process: RSS {rss:.0f} MiB, PSS {pss:.0f} MiB, {len(os.listdir(f'/proc/{judge_.pid}/task'))} thread(s); "
          f"this kernel (torch imported too): RSS {kernel_rss:.0f} MiB, PSS {kernel_pss:.0f} MiB")
    print()
    print("| one warm judgement | split_items, median s | all ten pieces, median s |")
    print("|---|---:|---:|")
    for label in one:
        print(f"| {label} | {one[label]:.3f} | {ten[label]:.3f} |")
    if args.terminal:
        times = terminal(args.repeat)
        print(f"\n`pytest checks --reference` from a terminal: median {statistics.median(times):.1f} s "
              f"(all {', '.join(f'{t:.1f}' for t in times)})")
    print(f"\nload average at the end: {load()}")
    judge_.stop()
    if args.profile:
        for names in (["split_items"], PIECE_NAMES):
            print(f"\ncProfile of a warm child judging {', '.join(names)}:\n" + profile_child(workspace, names))


if __name__ == "__main__":
    main()
