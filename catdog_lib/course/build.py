"""``catdog build``: make ``lessons/`` from ``solutions/``, as nbgrader's ``generate_assignment`` does.

A solution notebook holds the reference code of each piece inside
``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers (see ``cells.py``).
The lesson is the same notebook with each marked region replaced by
``# YOUR CODE HERE`` + ``raise NotImplementedError()``, the outputs and
execution counts cleared, the graded cells locked, and everything else (cell
ids, nbgrader metadata, markdown) kept. No course folder, no database.

We use nbgrader's own preprocessors where nbgrader is installed (it is in the
``dev`` extra), and an equivalent of our own where it is not; a test checks
that the two agree. The notebooks are written as nbformat writes them
(sorted keys, one-space indent), so the same solutions always give the same
bytes and ``catdog build --check`` can tell when ``lessons/`` is stale.
"""
import copy
import re
from pathlib import Path

from ..errors import CatdogError

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def solution_notebooks(solutions_dir):
    """The ``.ipynb`` files directly in ``solutions_dir``, sorted by name."""
    folder = Path(solutions_dir)
    if not folder.is_dir():
        raise CatdogError(f"there is no solutions folder at {folder}: pass --solutions DIR")
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not found:
        raise CatdogError(f"{folder} holds no .ipynb notebooks: nothing to build lessons from")
    return found


def _tidy(nb):
    """What the preprocessors leave that a fresh lesson should not carry: run timings, saved widget state."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def clear_with_nbgrader(nb):
    """The lesson made by nbgrader's preprocessors (as in ``generate_assignment``, minus the database)."""
    from nbgrader.preprocessors import ClearOutput, ClearSolutions, LockCells

    nb = copy.deepcopy(nb)
    resources = {}
    for preprocessor in (LockCells(), ClearSolutions(enforce_metadata=False), ClearOutput()):
        nb, resources = preprocessor.preprocess(nb, resources)
    return _tidy(nb)


def _is(cell, key):
    return bool(cell.metadata.get("nbgrader", {}).get(key, False))


def _replace_solution_regions(source, stub):
    """``source`` with each ``BEGIN SOLUTION`` ... ``END SOLUTION`` region replaced by ``stub`` (indented alike)."""
    lines, out, inside, replaced = source.split("\n"), [], False, False
    for line in lines:
        if "BEGIN SOLUTION" in line:
            if inside:
                raise CatdogError("a BEGIN SOLUTION inside another one: close the first with END SOLUTION")
            inside = replaced = True
            indent = re.match(r"\s*", line).group(0)
            out.extend(indent + stub_line for stub_line in stub.split("\n"))
        elif "END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise CatdogError("a BEGIN SOLUTION without its END SOLUTION: add the END SOLUTION line")
    return "\n".join(out), replaced


def clear_ourselves(nb):
    """The same lesson as ``clear_with_nbgrader``, for where nbgrader is not installed."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        solution, grade = _is(cell, "solution"), _is(cell, "grade")
        locked = not solution and (grade or _is(cell, "locked"))
        # LockCells: solution cells can't be deleted; test and read-only cells can't be deleted or edited
        if solution:
            cell.metadata["deletable"] = False
        elif locked:
            cell.metadata["deletable"] = False
            cell.metadata["editable"] = False
        # ClearSolutions: marked regions become the stub; an unmarked solution cell becomes all stub
        stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
        cell.source, replaced = _replace_solution_regions(cell.source, stub)
        if solution and not replaced:
            cell.source = stub
        # ClearOutput
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("collapsed", None)
            cell.metadata.pop("scrolled", None)
    nb.metadata.pop("celltoolbar", None)
    return _tidy(nb)


def lesson_from_solution(nb, use_nbgrader=None):
    """The lesson notebook for solution notebook ``nb`` (a new notebook; ``nb`` is not changed).

    ``use_nbgrader``: ``None`` uses nbgrader when it imports, ``True``/``False`` forces the choice.
    """
    if use_nbgrader is None:
        try:
            import nbgrader.preprocessors  # noqa: F401
            use_nbgrader = True
        except ImportError:
            use_nbgrader = False
    try:
        return clear_with_nbgrader(nb) if use_nbgrader else clear_ourselves(nb)
    except RuntimeError as e:  # nbgrader's complaint about unbalanced markers
        raise CatdogError(f"cannot clear the solutions: {e}") from None


def notebook_text(nb):
    """The exact text a notebook is saved as: nbformat's JSON, ending with a newline."""
    import nbformat

    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def check_cell_ids(path):
    """Fail when a notebook's cells lack ids: nbformat would invent new ones at every build."""
    import json

    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # read_notebook says what is wrong with the file
    if (raw.get("nbformat", 0), raw.get("nbformat_minor", 0)) >= (4, 5) \
            and any("id" not in cell for cell in raw.get("cells", [])):
        raise CatdogError("some cells have no id, so every build would invent new ones: "
                          "open and save the notebook in Jupyter (or use nbformat.validator.normalize) to give them ids")


def planned_lessons(solutions_dir, use_nbgrader=None):
    """``{file name: text}`` of the lessons that ``solutions_dir`` makes."""
    from .collect import read_notebook

    planned = {}
    for path in solution_notebooks(solutions_dir):
        try:
            check_cell_ids(path)
            planned[path.name] = notebook_text(lesson_from_solution(read_notebook(path), use_nbgrader))
        except CatdogError as e:
            raise CatdogError(f"{path.name}: {e}") from None
    return planned


def _default_dirs(solutions_dir, lessons_dir):
    from ..paths import kit_root

    root = kit_root()
    return (Path(solutions_dir) if solutions_dir else root / "solutions",
            Path(lessons_dir) if lessons_dir else root / "lessons")


def build_lessons(solutions_dir=None, lessons_dir=None, use_nbgrader=None):
    """Write a lesson into ``lessons_dir`` for every notebook in ``solutions_dir``.

    Returns ``{lesson path: "written" | "unchanged"}``; a lesson whose text
    would not change is left alone (its modification time too).
    """
    solutions_dir, lessons_dir = _default_dirs(solutions_dir, lessons_dir)
    planned = planned_lessons(solutions_dir, use_nbgrader)
    lessons_dir.mkdir(parents=True, exist_ok=True)
    done = {}
    for name, text in planned.items():
        path = lessons_dir / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            done[path] = "unchanged"
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
            done[path] = "written"
    return done


def stale_lessons(solutions_dir=None, lessons_dir=None, use_nbgrader=None):
    """Sentences saying how ``lessons_dir`` differs from what ``build_lessons`` would make (empty: up to date)."""
    solutions_dir, lessons_dir = _default_dirs(solutions_dir, lessons_dir)
    planned = planned_lessons(solutions_dir, use_nbgrader)
    problems = []
    for name, text in planned.items():
        path = lessons_dir / name
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path} differs from what {solutions_dir / name} makes")
    for path in sorted(lessons_dir.glob("*.ipynb")):
        if path.name not in planned:
            problems.append(f"{path} has no solution notebook in {solutions_dir}")
    return problems


def build_cli(args):
    """``catdog build [--solutions DIR] [--lessons DIR] [--check]``."""
    solutions_dir, lessons_dir = _default_dirs(args.solutions, args.lessons)
    if args.check:
        problems = stale_lessons(solutions_dir, lessons_dir)
        if problems:
            raise CatdogError(f"{lessons_dir} is out of date ({'; '.join(problems)}): run `catdog build`")
        print(f"{lessons_dir} is up to date with {solutions_dir}")
        return
    for path, what in build_lessons(solutions_dir, lessons_dir).items():
        print(f"{what:9} {path}")
    for path in sorted(lessons_dir.glob("*.ipynb")):
        if not (solutions_dir / path.name).is_file():
            print(f"note: {path} has no solution notebook; remove it if it is left over")
