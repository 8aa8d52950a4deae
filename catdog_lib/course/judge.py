"""Judge pieces by running ``pytest checks`` in a fresh Python process.

Why a fresh process: pytest run twice in one kernel keeps the modules it
imported the first time (pytest-dev/pytest#3143), so a piece fixed and re-run
in the same notebook would still be judged as it was. A new process starts
clean every time, and a piece that loops, exits or crashes cannot take the
learner's kernel with it. In a notebook that new process is a child forked
from the warm judge (``warm.py``), which holds torch and the checks imported
already, so a verdict takes a fraction of a second instead of seconds.

The checks write their verdicts as JSON (``--catdog-json``); this module reads
them back (``judge``), and ``verdicts.py`` turns them into the words ``%check``,
``%progress`` and the last lesson show. Nothing here imports IPython.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import CatdogError
from ..i18n import tr
from ..paths import checks_dir  # noqa: F401 (importable from here, as before)
from ..paths import workspace as default_workspace
from .loading import piece_path
from .registry import HINTS, PIECE_NAMES, get_piece
# The words, importable from here as before (verdicts.py holds them).
from .verdicts import GRAY, GREEN, Table, progress_table, verdict_html, verdict_text  # noqa: F401  (old home)


def not_started(name):
    """The verdict on a piece with no file: what the checks say too, without starting them."""
    piece = get_piece(name)
    return {"lesson": piece.lesson, "title": tr(piece.title), "status": "not_started", "passed": 0, "total": 0,
            "points": 0, "partial_points": 0, "max_points": piece.points, "message": None, "hint": None,
            "traceback": None, "failures": []}


def not_written(name):
    """The verdict on a piece whose cell still holds the lesson's stub, with no file saved before: not
    started, said in red as "not written yet", with the piece's first hint (the one about how to start)."""
    return dict(not_started(name), stub=True, hint=tr(HINTS[name][0]),
                message=tr("Its %%piece cell still holds the lesson's stub, so the reference ran in its place: "
                           "replace 'raise NotImplementedError()' with your code and run that cell."))


def judge(names=None, workspace=None, reference=False, timeout=900, warm=None):
    """Run the checks of ``names`` (all pieces when ``None``) in a new process; return ``{name: result}``.

    Each result is the checks' verdict on one piece: ``status``
    (``"passed"``, ``"failed"`` or ``"not_started"``), ``passed`` and
    ``total`` (checks), ``points``, and for a failure ``message``, ``hint``
    and, when the learner's code raised, a short ``traceback``. Pieces with
    no file are not started; the checks do not run for them.

    The new process is a child of the warm judge (``catdog_lib.course.warm``)
    when ``warm`` is True (started if need be) or a ``WarmJudge``, or, by
    default, when this kernel started one (``%load_ext catdog_lib`` does);
    otherwise, or when the warm judge cannot judge, a fresh
    ``python -m pytest``. The verdicts are the same either way.
    """
    workspace = Path(workspace) if workspace else default_workspace()
    names = list(names) if names else list(PIECE_NAMES)
    for name in names:
        get_piece(name)  # a clear error for a wrong name
    started = names if reference else [name for name in names if piece_path(name, workspace).is_file()]
    verdicts = {}
    remaining = list(started)
    if started:
        checks = checks_dir()
        with tempfile.TemporaryDirectory(prefix="catdog_judge_") as tmp:
            # A piece that swallows the stop ends its run (the plugin names it under "stopped"):
            # the pieces not judged yet get a run of their own, as if it were not there.
            for attempt in range(len(started)):
                out = Path(tmp) / f"verdicts{attempt}.json"
                summary = _run_checks(checks, workspace, remaining, reference, out, timeout, warm)
                verdicts.update(summary["pieces"])
                if not summary.get("stopped"):
                    break
                remaining = [name for name in remaining if name not in summary["pieces"]]
                if not remaining:
                    break
    return {name: verdicts.get(name) or not_started(name) for name in names}


def pytest_args(checks, workspace, names, reference, out):
    """The arguments of the ``pytest`` run that judges ``names`` and writes its JSON to ``out``."""
    args = [str(checks), "--workspace", str(workspace), "--catdog-json", str(out), "-q",
            "-p", "no:cacheprovider", "-p", "no:nbval"]  # nbval's imports alone take seconds, and no check needs it
    if set(names) != set(PIECE_NAMES):
        args += ["-k", " or ".join(names)]
    if reference:
        args.append("--reference")
    return args


def _run_checks(checks, workspace, names, reference, out, timeout, warm=None):
    """One ``pytest checks`` run for the pieces ``names``, warm or fresh; its JSON summary."""
    args = pytest_args(checks, workspace, names, reference, out)
    try:
        warm_judge = _warm_judge(checks, warm)
        if warm_judge is not None and warm_judge.run(args, checks.parent, timeout) is not None and out.is_file():
            return json.loads(out.read_text(encoding="utf-8"))
        out.unlink(missing_ok=True)  # no verdicts (or half of them): the fresh process decides
        returncode, output = run_cold(args, checks.parent, timeout)
    except subprocess.TimeoutExpired:
        raise CatdogError(tr("the checks took more than {timeout} s and were stopped: look for a piece that never "
                             "ends", timeout=timeout)) from None
    if not out.is_file():
        tail = output.strip().splitlines()[-5:]
        raise CatdogError(tr("the checks did not run (pytest exit code {code}): {output}", code=returncode,
                             output=" | ".join(tail)))
    return json.loads(out.read_text(encoding="utf-8"))


def _warm_judge(checks, warm):
    """The warm judge to use: this process's (started if ``warm``), or None for a fresh process."""
    from . import warm as warm_module

    if isinstance(warm, warm_module.WarmJudge):
        return warm
    if warm is False or not warm_module.enabled():
        return None
    return warm_module.shared(checks, start=True if warm else None)


def run_cold(args, cwd, timeout):
    """``python -m pytest args`` in a fresh process: ``(returncode, output)``."""
    run = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=cwd, capture_output=True, text=True,
                         timeout=timeout, stdin=subprocess.DEVNULL)
    return run.returncode, run.stdout + run.stderr


# ----- the last lesson's pieces live in course/learner.py ------------------------------------
# Lessons already shipped import learner_or_reference from here; it is made with this module's judge
# (learner.py does not import this module, which imports it).
from .learner import judged_with  # noqa: E402

learner_or_reference = judged_with(judge)
