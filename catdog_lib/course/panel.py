"""What JupyterLab's Course panel shows: every lesson's pieces, each one's last verdict, points and hints seen.

It reads what ``%progress`` reads, without judging anything: the learner's
workspace (which pieces are saved, ``.hints_seen.json``) and the last verdict
on each piece, which the server's judge keeps in ``.verdicts.json`` after
every ``%check``, Check button and ``%progress`` (``served.record_verdicts``).
A piece saved after its last verdict is shown as changed since. The words
come from the kit's catalogue, in the language asked for (the lesson's, or
JupyterLab's), so the panel's code holds no sentence of its own.

``course/lab.py`` serves ``course_state`` as JSON; nothing here imports Jupyter.
"""
import json
import re
from pathlib import Path

from ..atomic import atomic_write
from ..i18n import LANGUAGES, N_, tr
from .hints import hints_seen
from .loading import piece_path
from .registry import HINTS, LESSONS, PIECES

VERDICTS_FILE = ".verdicts.json"
# What a verdict keeps: what the panel shows, and points (partial under nbgrader).
KEPT = ("status", "passed", "total", "points", "partial_points", "max_points", "message", "stub")

# The panel's words, by the key its code uses.
WORDS = {
    "title": N_("Course"),
    "caption": N_("The course: your pieces, their verdicts and points"),
    "lesson": N_("Lesson {lesson}"),
    "not_started": N_("not started"),
    "saved": N_("saved, not checked yet"),
    "passed": N_("passing"),
    "failed": N_("failing"),
    "changed": N_("changed since this verdict: press Check"),
    "checks": N_("{passed} of {total} checks pass"),
    "points": N_("{earned} / {points} points"),
    "hints": N_("hints seen: {seen} of {count}"),
    "total": N_("Total: {earned} of {points} points"),
    "check": N_("Check"),
    "hint": N_("Hint"),
    "check_command": N_("Check this piece"),
    "hint_command": N_("Next hint"),
    "check_caption": N_("Save this piece and judge it, as %check does"),
    "hint_caption": N_("Show the next hint for this piece, as %hint does"),
    "open_caption": N_("Open this piece's cell in its lesson"),
    "no_lesson": N_("Open the lesson of this piece first: it is not in this server's folder."),
    "workspace": N_("Your pieces are saved in {workspace}"),
    "refresh": N_("Refresh"),
    "not_a_piece": N_("This cell is not a piece: select a cell that starts with %%piece."),
}


def _verdicts_file(workspace):
    return Path(workspace) / VERDICTS_FILE


def last_verdicts(workspace):
    """``{piece name: the last verdict kept}`` of a workspace."""
    try:
        kept = json.loads(_verdicts_file(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return kept if isinstance(kept, dict) else {}


def record(workspace, verdicts):
    """Keep ``verdicts`` (``{name: result}`` as the checks write them) as the last ones of ``workspace``.

    Each keeps the time of the piece's file it judged, so the panel can tell a piece saved since.
    """
    if not verdicts:
        return
    kept = last_verdicts(workspace)
    for name, result in verdicts.items():
        path = piece_path(name, workspace)
        kept[name] = {key: result.get(key) for key in KEPT}
        kept[name]["judged_mtime"] = path.stat().st_mtime if path.is_file() else None
    atomic_write(_verdicts_file(workspace), json.dumps(kept, indent=1, sort_keys=True, ensure_ascii=False))


def piece_state(name, workspace, verdicts, seen, lang="en"):
    """One piece as the panel shows it: ``state`` (not_started, saved, passed, failed), its words and numbers."""
    piece = next(p for p in PIECES if p.name == name)
    path = piece_path(name, workspace)
    verdict = verdicts.get(name) or {}
    saved = path.is_file()
    state = verdict.get("status") if saved and verdict.get("status") in ("passed", "failed") else (
        "saved" if saved else "not_started")
    changed = bool(state in ("passed", "failed") and verdict.get("judged_mtime") is not None
                   and path.stat().st_mtime > verdict["judged_mtime"] + 1e-6)
    earned = piece.points if state == "passed" else 0
    return {"name": name, "title": tr(piece.title, lang=lang), "state": state, "changed": changed,
            "message": verdict.get("message") if state == "failed" else None,
            "passed": verdict.get("passed", 0), "total": verdict.get("total", 0),
            "earned": earned, "points": piece.points, "hints_seen": int(seen.get(name, 0)),
            "hints_count": len(HINTS.get(name, []))}


def lesson_files(root):
    """``{lesson: {"en": path, "zh": path}}``: the lesson notebooks under a server's folder, relative to it.

    Looks where the kit keeps them: ``lessons/`` and ``lessons/zh/`` under ``root``, or ``root`` itself
    and its ``zh/`` (``jupyter lab lessons/``).
    """
    root = Path(root)
    found = {}
    for folder, lang in ((root / "lessons", "en"), (root / "lessons" / "zh", "zh"), (root, "en"), (root / "zh", "zh")):
        if not folder.is_dir():
            continue
        for notebook in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
            lesson = notebook.name[:2]
            found.setdefault(lesson, {}).setdefault(lang, notebook.relative_to(root).as_posix())
    return found


def course_state(workspace, lang="en", root=None):
    """Everything the panel shows, as JSON-ready data: the words, the lessons and their pieces, the totals."""
    lang = lang if lang in LANGUAGES else "en"
    verdicts, seen = last_verdicts(workspace), hints_seen(workspace)
    files = lesson_files(root) if root else {}
    lessons = []
    for lesson in sorted({p.lesson for p in PIECES}):
        pieces = [piece_state(p.name, workspace, verdicts, seen, lang) for p in PIECES if p.lesson == lesson]
        lessons.append({"lesson": lesson, "heading": tr(WORDS["lesson"], lang=lang, lesson=lesson),
                        "title": tr(LESSONS[lesson], lang=lang) if lesson in LESSONS else "",
                        "files": files.get(lesson, {}), "pieces": pieces,
                        "earned": sum(p["earned"] for p in pieces), "points": sum(p["points"] for p in pieces)})
    earned, points = sum(x["earned"] for x in lessons), sum(x["points"] for x in lessons)
    words = {key: template(text, lang) for key, text in WORDS.items()}
    return {"lang": lang, "workspace": str(workspace), "words": words, "lessons": lessons,
            "earned": earned, "points": points}


def template(text, lang):
    """A message in ``lang`` with its placeholders kept as ``{name}``, for the panel to fill in."""
    return tr(text, lang=lang, **{name: "{" + name + "}" for name in re.findall(r"\{(\w+)\}", text)})
