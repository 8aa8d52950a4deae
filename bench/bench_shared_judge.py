"""Memory with five lessons open: a warm judge per kernel, or the Jupyter server's one (issue 24).

Starts five IPython kernels (five lessons open), each loads the course magics
and runs one ``%check`` (so every judge is warm), then sums the memory of the
kernels, their children and the judge service's: PSS (shared pages counted
once across the processes) and RSS. Twice: with no server judge (each kernel
starts its own warm process, as in Colab or plain nbclient), and with the
judge service the kit's Jupyter Server extension starts (``CATDOG_JUDGE_SOCKET``;
here the service runs in a process of its own, as it does inside the server).

    .venv/bin/python bench/bench_shared_judge.py [--kernels 5]
"""
import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

SERVICE = textwrap.dedent("""
    import sys
    from catdog_lib.course.judge_service import JudgeService
    service = JudgeService(sys.argv[1]).start()
    print("listening", flush=True)
    sys.stdin.read()
    service.stop()
""")


def memory_kib(pid, field):
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid):
    """``pid`` and every process below it."""
    parents = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parents[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += [child for child, parent in parents.items() if parent == current]
    return found


def is_warm(pid):
    try:
        return b"catdog_lib.course.warm" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def scenario(kernels, served, workspace):
    env = {k: v for k, v in os.environ.items() if k != "CATDOG_JUDGE_SOCKET"}
    env.update(CATDOG_WORKSPACE=str(workspace), OMP_NUM_THREADS="1")
    service = None
    roots = []
    if served:
        socket_path = Path(tempfile.mkdtemp()) / "judge.sock"
        service = subprocess.Popen([sys.executable, "-c", SERVICE, str(socket_path)], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True, env=env)
        assert service.stdout.readline().strip() == "listening"
        env["CATDOG_JUDGE_SOCKET"] = str(socket_path)
        roots.append(service.pid)
    started = []
    try:
        for _ in range(kernels):
            km, kc = start_new_kernel(kernel_name="python3", env=env, startup_timeout=300)
            started.append((km, kc))
            roots.append(km.provisioner.process.pid)
        for _, kc in started:
            kc.execute_interactive("%load_ext catdog_lib\n%check label_from_filename", timeout=600,
                                   output_hook=lambda msg: None)
        time.sleep(2)
        pids = sorted({pid for root in roots for pid in descendants(root)})
        warm = [pid for pid in pids if is_warm(pid)]
        return {"served": served, "kernels": kernels, "warm_processes": len(warm),
                "warm_pss_mib": round(sum(memory_kib(p, "Pss") for p in warm) / 1024),
                "warm_rss_mib": round(sum(memory_kib(p, "Rss") for p in warm) / 1024),
                "total_pss_mib": round(sum(memory_kib(p, "Pss") for p in pids) / 1024),
                "processes": len(pids)}
    finally:
        for km, kc in started:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        if service is not None:
            service.stdin.close()
            service.wait(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", type=int, default=5)
    args = parser.parse_args()
    from catdog_lib.course.pieces import reference

    workspace = Path(tempfile.mkdtemp(prefix="catdog_bench_ws_"))
    (workspace / "label_from_filename.py").write_text(
        textwrap.dedent(inspect.getsource(reference("label_from_filename"))))
    results = [scenario(args.kernels, served, workspace) for served in (False, True)]
    for r in results:
        print(json.dumps(r))
    own, shared = results
    print(f"{args.kernels} lessons open: total PSS {own['total_pss_mib']} MiB with a judge per kernel, "
          f"{shared['total_pss_mib']} MiB with the server's one: {own['total_pss_mib'] - shared['total_pss_mib']} MiB "
          f"saved ({own['warm_processes']} warm processes -> {shared['warm_processes']})")


if __name__ == "__main__":
    main()
