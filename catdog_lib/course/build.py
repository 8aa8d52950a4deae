"""``catdog build``: keep ``solutions/`` in step with the library, lint it, and release ``lessons/``.

``solutions/*.ipynb`` are the course's source, in nbgrader's source format:
an instructor opens one in Jupyter, edits it and runs ``catdog build``. The
build then

1. puts each piece cell in step with the library. A ``%%piece NAME`` cell
   holds the reference piece from catdog_lib (the one copy of a piece's code)
   with its body between nbgrader's solution markers; the nbgrader metadata of
   the piece cell and of its ``%check`` cell come from the piece registry
   (grade ids, points). What differs is rewritten in the solution notebook,
   and nothing else in it: markdown, other cells, outputs and cell ids stay as
   the instructor left them;
2. lints the course: every piece has its ``%%piece`` cell in its lesson, the
   ``%check`` cell right after it, and a setup cell that loads the course
   commands before it; each fault names the notebook and the cell;
3. releases each lesson with nbgrader's own ``LockCells``, ``ClearSolutions``
   and ``ClearOutput`` (what ``nbgrader generate_assignment`` runs, without the
   course folder and database), so nbgrader is needed to build; only
   instructors build. These lessons are for self-learners: ``%solution`` works.

``catdog build --for-nbgrader DIR`` writes, instead, the notebooks an
instructor puts into an nbgrader course's ``source/`` folder: each solution
notebook as an assignment of its own (``DIR/02_data_and_splits/02_data_and_splits.ipynb``),
with solutions off (``%env CATDOG_SOLUTIONS=0`` in its setup cell).

Cell ids are nbformat's persistent ids: the build keeps them, so a cell
inserted in a solution changes no other id, and nbgrader's grade ids and the
translations keyed by cell stay put. Notebooks are written as Jupyter writes
them (nbformat's JSON), so the same source gives the same bytes and
``catdog build --check`` can tell when anything is out of step.
"""
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CatdogError
from ..paths import kit_root
from . import messages, registry
from .cells import check_metadata, piece_metadata, piece_source, split_check_cell, split_piece_cell
from .collect import read_notebook
from .translate import (TRANSLATIONS, catalogue_path, catalogue_text, code_differences, english_entries,
                        read_catalogue, translate_notebook, untranslated, update_catalogue)

SETUP_LINE = "%load_ext catdog_lib"  # what marks a lesson's setup cell


def source_notebooks(solutions_dir):
    """The ``.ipynb`` files directly in ``solutions_dir``, sorted by name (course order)."""
    folder = Path(solutions_dir)
    if not folder.is_dir():
        raise CatdogError(f"there is no solutions folder at {folder}: pass --solutions DIR")
    found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if not found:
        raise CatdogError(f"{folder} holds no .ipynb notebooks: nothing to build lessons from")
    return found


def lesson_number(path):
    """``"02"`` for ``02_data_and_splits.ipynb``: the lesson a notebook is, from its name."""
    return Path(path).name[:2]


def notebook_text(nb):
    """The exact text a notebook is saved as: nbformat's JSON (as Jupyter writes it), ending with a newline."""
    import nbformat

    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def _where(path, cell):
    return f"{Path(path).name} cell {cell.get('id', '(no id)')}"


# ----- 1. in step with the library -------------------------------------------------------

def sync_pieces(nb, path="notebook"):
    """Put the piece and check cells of ``nb`` in step with the library, in place.

    Returns one sentence per cell it changed. A ``%check NAME`` cell gets the
    locked test-cell metadata worth the piece's points; a ``%%piece NAME``
    cell gets the reference source and the solution-cell metadata.
    """
    changed = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        piece = split_piece_cell(cell.source)
        checked = split_check_cell(cell.source)
        if piece and piece[0] in registry.PIECE_NAMES:
            name = piece[0]
            if cell.source != piece_source(name):
                cell.source = piece_source(name)
                changed.append(f"{_where(path, cell)}: {name} copied from the library's reference")
            wanted = piece_metadata(name)
        elif checked in registry.PIECE_NAMES:
            wanted = check_metadata(checked)
        else:
            continue
        if cell.metadata.get("nbgrader") != wanted:
            cell.metadata["nbgrader"] = wanted
            changed.append(f"{_where(path, cell)}: nbgrader metadata of {piece[0] if piece else checked} set")
    return changed


# ----- 2. the course's structure ---------------------------------------------------------

def course_faults(notebooks):
    """What is wrong with the course's structure, one sentence each (empty: nothing).

    ``notebooks`` maps each solution notebook's path to the notebook. Every
    piece of the registry must have exactly one ``%%piece`` cell, in the
    notebook of its lesson, after a setup cell (the first code cell, with
    ``%load_ext catdog_lib``) and followed by its ``%check`` cell.
    """
    faults, found = [], {}
    for path, nb in notebooks.items():
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        for cell in nb.cells:
            if "id" not in cell:
                faults.append(f"{Path(path).name}: a cell has no id; open and save the notebook in Jupyter to give it one")
                break
        has_setup = bool(code) and SETUP_LINE in code[0].source
        grade_ids = {}
        for i, cell in enumerate(code):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id:
                if grade_id in grade_ids:
                    faults.append(f"{_where(path, cell)}: grade id {grade_id!r} is also used by cell "
                                  f"{grade_ids[grade_id]}; nbgrader needs each to be unique")
                grade_ids[grade_id] = cell.get("id")
            checked = split_check_cell(cell.source)
            if checked is not None and checked not in registry.PIECE_NAMES:
                faults.append(f"{_where(path, cell)}: %check {checked}: there is no piece called {checked!r}")
            piece = split_piece_cell(cell.source)
            if piece is None:
                continue
            name = piece[0]
            if name not in registry.PIECE_NAMES:
                faults.append(f"{_where(path, cell)}: %%piece {name}: there is no piece called {name!r} "
                              f"(the pieces are {', '.join(registry.PIECE_NAMES)}; add it to course/registry.py first)")
                continue
            found.setdefault(name, []).append((path, cell))
            if not has_setup or i == 0:
                faults.append(f"{_where(path, cell)}: {name} comes before the lesson's setup cell: the first code "
                              f"cell must load the course commands ({SETUP_LINE})")
            following = code[i + 1] if i + 1 < len(code) else None
            if following is None or split_check_cell(following.source) != name:
                faults.append(f"{_where(path, cell)}: the {name} cell is not followed by its check: add a code "
                              f"cell '%check {name}' right after it")
    for piece in registry.PIECES:
        cells = found.get(piece.name, [])
        if not cells:
            faults.append(f"lesson {piece.lesson}: there is no '%%piece {piece.name}' cell in any solution notebook")
            continue
        if len(cells) > 1:
            faults.append(f"{piece.name} has {len(cells)} piece cells ({', '.join(_where(p, c) for p, c in cells)}): "
                          "keep one")
        for path, cell in cells:
            if lesson_number(path) != piece.lesson:
                faults.append(f"{_where(path, cell)}: {piece.name} belongs to lesson {piece.lesson} "
                              f"(course/registry.py), not to {Path(path).name}")
    return faults


# ----- 3. the release --------------------------------------------------------------------

def release(nb):
    """The lesson for solution notebook ``nb`` (a new notebook; ``nb`` is not changed).

    nbgrader's preprocessors, in ``generate_assignment``'s order: graded and
    read-only cells locked, solution regions replaced by nbgrader's stubs
    (``# YOUR CODE HERE`` / ``raise NotImplementedError()``), outputs cleared.
    """
    import copy

    try:
        from nbgrader.preprocessors import ClearOutput, ClearSolutions, LockCells
    except ImportError:
        raise CatdogError("catdog build releases the lessons with nbgrader, which is not installed here: "
                          "pip install nbgrader (or the kit with its dev extra: pip install -e '.[dev]')") from None

    lesson = copy.deepcopy(nb)
    resources = {}
    try:
        for preprocessor in (LockCells(), ClearSolutions(), ClearOutput()):
            lesson, resources = preprocessor.preprocess(lesson, resources)
    except RuntimeError as e:  # nbgrader's complaint about unbalanced markers or unmarked solutions
        raise CatdogError(f"nbgrader cannot clear the solutions: {e}") from None
    for cell in lesson.cells:  # run timings a fresh lesson should not carry
        cell.metadata.pop("execution", None)
    lesson.metadata.pop("widgets", None)  # saved widget state
    return lesson


# ----- the whole build ------------------------------------------------------------------

@dataclass
class Plan:
    """What ``catdog build`` would do: the faults that stop it, the stale and untranslated cells it reports
    (``--check`` fails on them), and ``{path: text}`` of every file whose text would change."""

    faults: list = field(default_factory=list)
    synced: list = field(default_factory=list)
    untranslated: list = field(default_factory=list)
    writes: dict = field(default_factory=dict)

    def write_if_changed(self, path, text):
        path = Path(path)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            self.writes[path] = text


def plan_build(solutions_dir, lessons_dir, kit=None):
    """What ``catdog build`` would do, without writing anything: a ``Plan``.

    ``kit``: the kit's root, whose message catalogues (``catdog_lib/locale``) are
    kept in step too; ``None`` for a course of notebooks only.
    """
    solutions_dir, lessons_dir = Path(solutions_dir), Path(lessons_dir)
    plan, notebooks = Plan(), {}
    for path in source_notebooks(solutions_dir):
        nb = read_notebook(path)
        plan.synced += sync_pieces(nb, path)
        plan.write_if_changed(path, notebook_text(nb))
        notebooks[path] = nb
    plan.faults += course_faults(notebooks)
    _release_all(plan, notebooks, lessons_dir, solutions_dir)
    for lang in TRANSLATIONS:
        if (solutions_dir / lang).is_dir():
            _plan_translation(plan, notebooks, lang, solutions_dir, lessons_dir)
        if kit is not None and messages.catalogue_path(lang).parent.is_dir():
            _plan_messages(plan, kit, lang)
    return plan


def _plan_messages(plan, kit, lang):
    """The ``lang`` catalogue of the learner's messages updated from the code, and compiled."""
    po_path = messages.catalogue_path(lang)
    catalogue, changes = messages.update(read_catalogue(po_path, lang), messages.extract(kit))
    text = catalogue_text(catalogue)
    if not po_path.is_file() or po_path.read_text(encoding="utf-8") != text:
        plan.writes[po_path] = text
        plan.synced += [f"{lang} messages {change}" for change in changes] or [f"{lang} messages: updated"]
    plan.untranslated += [f"{lang} messages: {problem}" for problem in messages.problems(catalogue)]
    mo_path = po_path.with_suffix(".mo")
    mo = messages.compiled(catalogue)
    if not mo_path.is_file() or mo_path.read_bytes() != mo:
        plan.writes[mo_path] = mo
        plan.synced.append(f"{lang} messages: {mo_path.name} recompiled")


def _release_all(plan, notebooks, lessons_dir, sources_dir):
    """Plan each lesson of ``notebooks`` into ``lessons_dir``; a lesson there with no source is a fault."""
    for path, nb in notebooks.items():
        try:
            plan.write_if_changed(lessons_dir / path.name, notebook_text(release(nb)))
        except CatdogError as e:
            plan.faults.append(f"{path.name}: {e}")
    for path in sorted(lessons_dir.glob("*.ipynb")):
        if path.name not in {p.name for p in notebooks}:
            plan.faults.append(f"{path} has no solution notebook in {sources_dir}: remove it, or add its source")


def _plan_translation(plan, notebooks, lang, solutions_dir, lessons_dir):
    """The ``lang`` edition: catalogues updated, translated solutions written, their lessons released."""
    translated = {}
    for path, nb in notebooks.items():
        po = catalogue_path(path, lang)
        catalogue, changes = update_catalogue(read_catalogue(po, lang), english_entries(nb))
        text = catalogue_text(catalogue)
        if not po.is_file() or po.read_text(encoding="utf-8") != text:
            plan.writes[po] = text
            plan.synced += [f"{lang}/{po.name} {change}" for change in changes] or [f"{lang}/{po.name}: updated"]
        plan.untranslated += [f"{lang}/{po.name} cell {context}: {why}" for context, why in untranslated(catalogue)]
        edition = translate_notebook(nb, catalogue, lang)
        plan.faults += [f"{lang}/{path.name} {problem}" for problem in code_differences(nb, edition, lang)]
        target = solutions_dir / lang / path.name
        plan.write_if_changed(target, notebook_text(edition))
        translated[target] = edition
    _release_all(plan, translated, lessons_dir / lang, solutions_dir / lang)


def _default_dirs(solutions_dir, lessons_dir):
    """``(solutions, lessons, kit root)``: the kit's own folders unless given (then no message catalogues)."""
    root = kit_root()
    kit = root if not solutions_dir and not lessons_dir else None
    return (Path(solutions_dir) if solutions_dir else root / "solutions",
            Path(lessons_dir) if lessons_dir else root / "lessons", kit)


def build(solutions_dir=None, lessons_dir=None, report=print):
    """Sync the solutions, lint the course and write the lessons. Returns ``{path: "written"}``.

    Nothing is written when the course has a structural fault: the faults are
    reported and a ``CatdogError`` says how many.
    """
    solutions_dir, lessons_dir, kit = _default_dirs(solutions_dir, lessons_dir)
    plan = plan_build(solutions_dir, lessons_dir, kit)
    if plan.faults:
        for fault in plan.faults:
            report(f"fault: {fault}")
        raise CatdogError(f"{len(plan.faults)} fault(s) in {solutions_dir} (listed above): fix them and build again")
    for line in plan.synced:
        report(f"synced   {line}")
    for path, text in plan.writes.items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            Path(path).write_bytes(text)
        else:
            Path(path).write_text(text, encoding="utf-8", newline="\n")
        report(f"written  {path}")
    for line in plan.untranslated:
        report(f"untranslated  {line}")
    if not plan.writes:
        report(f"{lessons_dir} and {solutions_dir} are up to date")
    return {path: "written" for path in plan.writes}


def out_of_step(solutions_dir=None, lessons_dir=None):
    """What ``catdog build`` would fix or refuse, one line each: ``fault: ...`` and ``stale: ...`` (empty: in step)."""
    solutions_dir, lessons_dir, kit = _default_dirs(solutions_dir, lessons_dir)
    plan = plan_build(solutions_dir, lessons_dir, kit)
    problems = [f"fault: {f}" for f in plan.faults] + [f"stale: {s}" for s in plan.synced]
    # Solutions and catalogues are rewritten only with a reason in plan.synced; the notebooks the build makes:
    problems += [f"stale: {path} differs from what the build makes" for path in plan.writes
                 if path.suffix == ".ipynb" and path.parent != solutions_dir]
    problems += [f"untranslated: {line}" for line in plan.untranslated]
    return problems


SOLUTIONS_OFF = ("# Graded work: %solution is off (catdog build --for-nbgrader).\n"
                 "%env CATDOG_SOLUTIONS=0")


def solutions_off(nb):
    """``nb`` with solutions off: ``SOLUTIONS_OFF`` after the ``%load_ext catdog_lib`` line of its setup cell."""
    import copy

    graded = copy.deepcopy(nb)
    code = [cell for cell in graded.cells if cell.cell_type == "code"]
    if not code or SETUP_LINE not in code[0].source:
        raise CatdogError(f"the notebook's first code cell does not load the course commands ({SETUP_LINE})")
    lines = code[0].source.split("\n")
    at = next((i + 1 for i, line in enumerate(lines) if line.strip() == SETUP_LINE and not line[:1].isspace()), 0)
    code[0].source = "\n".join(lines[:at] + SOLUTIONS_OFF.split("\n") + lines[at:])
    return graded


def for_nbgrader(solutions_dir=None, dest=None, report=print):
    """Write each solution notebook, with solutions off, as an nbgrader source assignment: ``dest/STEM/NAME``.

    ``dest`` is the course's ``source/`` folder. The notebooks are the solutions as
    ``catdog build`` keeps them (piece cells in step with the library); a course with
    faults writes nothing. Returns the paths written.
    """
    solutions_dir, _, _ = _default_dirs(solutions_dir, None)
    notebooks = {}
    for path in source_notebooks(solutions_dir):
        nb = read_notebook(path)
        sync_pieces(nb, path)
        notebooks[path] = nb
    faults = course_faults(notebooks)
    if faults:
        for fault in faults:
            report(f"fault: {fault}")
        raise CatdogError(f"{len(faults)} fault(s) in {solutions_dir} (listed above): fix them and build again")
    written = []
    for path, nb in notebooks.items():
        target = Path(dest) / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(notebook_text(solutions_off(nb)), encoding="utf-8", newline="\n")
        graded = sum(cell.metadata.get("nbgrader", {}).get("points", 0) for cell in nb.cells
                     if cell.metadata.get("nbgrader", {}).get("grade"))
        report(f"written  {target}" + (f" ({graded:g} point{'s' * (graded != 1)})" if graded else " (grades nothing)"))
        written.append(target)
    report(f"Each folder is an assignment: in the course's folder, nbgrader generate_assignment {written[0].parent.name} "
           "(and so on), then release, collect and autograde as usual.")
    return written


def build_cli(args):
    """``catdog build [--solutions DIR] [--lessons DIR] [--check | --for-nbgrader DIR]``; with ``--check`` the
    problems go to stderr."""
    import sys

    if getattr(args, "for_nbgrader", None):
        for_nbgrader(args.solutions, args.for_nbgrader)
        return
    if not args.check:
        build(args.solutions, args.lessons)
        return
    problems = out_of_step(args.solutions, args.lessons)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        raise CatdogError(f"{len(problems)} problem(s) (listed above): run `catdog build`, and fix any fault it names")
    solutions_dir, lessons_dir, _ = _default_dirs(args.solutions, args.lessons)
    print(f"{lessons_dir} and {solutions_dir} are up to date")
