"""Judge pieces by running ``pytest checks`` in a fresh Python process.

Why a fresh process: pytest run twice in one kernel keeps the modules it
imported the first time (pytest-dev/pytest#3143), so a piece fixed and re-run
in the same notebook would still be judged as it was. A new process starts
clean every time, and a piece that loops, exits or crashes cannot take the
learner's kernel with it. In a notebook that new process is a child forked
from the warm judge (``warm.py``), which holds torch and the checks imported
already, so a verdict takes a fraction of a second instead of seconds.

The checks write their verdicts as JSON (``--catdog-json``); this module reads
them and turns them into the short words ``%check``, ``%progress`` and the
last lesson show. Nothing here imports IPython: the verdicts are plain text
and HTML strings, shown by whoever calls.
"""
import html
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import CatdogError
from ..paths import checks_dir  # noqa: F401  (where it was; tests and the warm judge import it here)

GREEN, RED, GRAY = "#1a7f37", "#cf222e", "#6e7781"


def not_started(name):
    """The verdict on a piece with no file: what the checks say too, without starting them."""
    from .pieces import get_piece

    piece = get_piece(name)
    return {"lesson": piece.lesson, "title": piece.title, "status": "not_started", "passed": 0, "total": 0,
            "points": 0, "max_points": piece.points, "message": None, "hint": None, "traceback": None, "failures": []}


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
    from ..paths import workspace as default_workspace
    from .pieces import PIECE_NAMES, get_piece, piece_path

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
    from .pieces import PIECE_NAMES

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
        raise CatdogError(f"the checks took more than {timeout} s and were stopped: "
                          "look for a piece that never ends") from None
    if not out.is_file():
        tail = output.strip().splitlines()[-5:]
        raise CatdogError("the checks did not run (pytest exit code {}): {}".format(returncode, " | ".join(tail)))
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


# ----- words for one verdict ---------------------------------------------------------------

def verdict_text(name, result):
    """One piece's verdict as plain lines: the count, or the first failing check's sentence and hint."""
    status = result.get("status")
    if status == "not_started":
        return f"{name}: not started. Write it in its %%piece cell and run that cell, then %check {name}."
    count = f"{result.get('passed', 0)} of {result.get('total', 0)} checks pass"
    if status == "passed":
        return f"{name}: {count}"
    lines = [f"{name}: {count}", f"  {result.get('message') or 'a check failed'}"]
    if result.get("hint"):
        lines.append(f"  Hint: {result['hint']}")
    if result.get("traceback"):
        lines += ["", result["traceback"].rstrip()]
    return "\n".join(lines)


def verdict_html(name, result):
    """One piece's verdict as a small coloured block for a notebook."""
    status = result.get("status")
    e = html.escape
    if status == "not_started":
        return (f'<div style="color:{GRAY}"><b>{e(name)}</b>: not started. Write it in its <code>%%piece</code> cell, '
                f'run that cell, then <code>%check {e(name)}</code>.</div>')
    count = f"{result.get('passed', 0)} of {result.get('total', 0)} checks pass"
    if status == "passed":
        return f'<div style="color:{GREEN}">&#10004; <b>{e(name)}</b>: {count}</div>'
    parts = [f'<div style="color:{RED}">&#10008; <b>{e(name)}</b>: {count}</div>',
             f'<div>{e(result.get("message") or "a check failed")}</div>']
    if result.get("hint"):
        parts.append(f'<div><i>Hint:</i> {e(result["hint"])}</div>')
    if result.get("traceback"):
        parts.append(f'<pre style="font-size:90%">{e(result["traceback"].rstrip())}</pre>')
    return "\n".join(parts)


# ----- the table of all pieces -------------------------------------------------------------

STATUS_WORDS = {"passed": "passing", "failed": "failing", "not_started": "not started"}


class Table:
    """Rows with a plain-text and an HTML face: a notebook shows the HTML, ``print`` the text."""

    def __init__(self, title, header, rows, footer=None, row_styles=None):
        self.title, self.header, self.rows, self.footer = title, header, rows, footer
        self.row_styles = row_styles or [""] * len(rows)  # CSS for each row in HTML

    def __str__(self):
        cells = [self.header] + [[str(c) for c in row] for row in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.header))]
        lines = [self.title]
        for row in cells:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        e = html.escape
        head = "".join(f"<th style='text-align:left'>{e(h)}</th>" for h in self.header)
        def cell(c):
            text = str(c)
            indent = "padding-left:1.5em;" if text.startswith("  ") else ""  # a piece under its lesson
            return f"<td style='text-align:left;{indent}'>{e(text.strip())}</td>"

        body = "".join(f"<tr style='{style}'>" + "".join(cell(c) for c in row) + "</tr>"
                       for row, style in zip(self.rows, self.row_styles))
        foot = f"<p>{e(self.footer)}</p>" if self.footer else ""
        return f"<p><b>{e(self.title)}</b></p><table><tr>{head}</tr>{body}</table>{foot}"


def earned(name, result):
    """Points earned by a piece: all of its points when it passes, none otherwise (as nbgrader grades a test cell)."""
    from .pieces import get_piece

    return get_piece(name).points if result.get("status") == "passed" else 0


def progress_table(results):
    """Every piece, lesson by lesson: its status and points, with totals per lesson."""
    from .pieces import LESSONS, PIECES

    colours = {"passed": GREEN, "failed": RED, "not_started": GRAY}
    rows, styles, total_earned, total_points = [], [], 0, 0
    for lesson in sorted({piece.lesson for piece in PIECES}):
        pieces = [piece for piece in PIECES if piece.lesson == lesson]
        got = sum(earned(p.name, results.get(p.name, {})) for p in pieces)
        worth = sum(p.points for p in pieces)
        passing = sum(results.get(p.name, {}).get("status") == "passed" for p in pieces)
        styles.append("font-weight:bold")
        rows.append([f"Lesson {lesson}", LESSONS.get(lesson, ""), f"{passing} of {len(pieces)} passing", f"{got} / {worth}"])
        for p in pieces:
            result = results.get(p.name, {"status": "not_started"})
            status = STATUS_WORDS.get(result.get("status"), str(result.get("status")))
            if result.get("status") in ("passed", "failed"):
                status += f" ({result.get('passed', 0)}/{result.get('total', 0)} checks)"
            rows.append([f"  {p.name}", p.title, status, f"{earned(p.name, result)} / {p.points}"])
            styles.append(f"color:{colours.get(result.get('status'), GRAY)}")
        total_earned += got
        total_points += worth
    return Table("Your progress", ["piece", "what", "status", "points"], rows,
                 footer=f"Total: {total_earned} of {total_points} points", row_styles=styles)


# ----- the last lesson's pieces live in course/learner.py ------------------------------------
# Lessons already shipped import learner_or_reference from here; it is made with this module's judge
# (learner.py does not import this module, which imports it).
from .learner import judged_with  # noqa: E402

learner_or_reference = judged_with(judge)
