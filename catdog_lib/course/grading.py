"""Who runs the notebook, and so how a ``%check`` ends and whether ``%solution`` answers.

nbgrader sets ``NBGRADER_EXECUTION`` in the environment of the notebooks it
runs: ``validate`` (``nbgrader validate``, the Validate button) or
``autograde``. From that and the instructor's switches:

- **A learner** (no ``NBGRADER_EXECUTION``): a failing ``%check`` shows its red
  verdict and the notebook goes on, so Run All on a fresh lesson reaches
  every plot and every verdict.
- **nbgrader validate**: a failing ``%check`` fails its cell, as nbgrader
  expects of a test cell.
- **nbgrader autograde**: ``%check`` shows its verdict and hands nbgrader the
  points earned as the cell's result. nbgrader reads a number there as partial
  credit (``nbgrader.utils.determine_grade`` and ``get_partial_grade``): the
  student gets both the reasons and a partial score. A pass gives no number,
  so full credit. ``CATDOG_PARTIAL_CREDIT=0`` makes it all or nothing: a
  failing check fails its cell, 0 points.
- **``CATDOG_STRICT_CHECKS=1``**: a failing ``%check`` fails its cell outside
  nbgrader too: ``pytest --nbval-lax solutions/`` and ``catdog demo`` set it,
  so a broken solution cannot pass unnoticed.

``%solution`` answers unless ``CATDOG_SOLUTIONS=0`` (the instructor's switch
for graded work; ``catdog build --for-nbgrader`` writes it into the notebooks)
or nbgrader runs the notebook.
"""
import html
import os

OFF = ("0", "no", "false", "off")
ON = ("1", "yes", "true", "on")


def switch(name, default):
    """An on/off environment variable: ``0``/``no``/``false``/``off`` or ``1``/``yes``/``true``/``on``
    (any case); ``default`` when it is unset, empty or anything else."""
    value = os.environ.get(name, "").strip().lower()
    if value in OFF:
        return False
    if value in ON:
        return True
    return default


def grading():
    """``"validate"`` or ``"autograde"`` while nbgrader runs this notebook, else None."""
    return os.environ.get("NBGRADER_EXECUTION", "").strip() or None


def solutions_shown():
    """Whether ``%solution`` shows the reference: not under nbgrader, not with ``CATDOG_SOLUTIONS=0``."""
    return grading() is None and switch("CATDOG_SOLUTIONS", True)


def solutions_off_words():
    """Why ``%solution`` shows nothing here, in one sentence."""
    if grading():
        return "Solutions are off while nbgrader runs this notebook."
    return ("Solutions are off for this notebook: your instructor turned them off for graded work "
            "(CATDOG_SOLUTIONS=0).")


def when_a_check_fails():
    """What a ``%check`` that does not pass does here: ``"show"`` its verdict only, ``"fail"`` its cell,
    or give nbgrader its ``"points"``."""
    mode = grading()
    if mode == "autograde" and switch("CATDOG_PARTIAL_CREDIT", True):
        return "points"
    if mode or switch("CATDOG_STRICT_CHECKS", False):
        return "fail"
    return "show"


class EarnedPoints:
    """The points a ``%check`` earned, as the cell's result under autograde.

    nbgrader reads the result's ``text/plain`` as a number (partial credit);
    the student's feedback shows the HTML: the points and the checks behind them.
    """

    def __init__(self, points, worth, passed, total):
        self.points, self.worth, self.passed, self.total = points, worth, passed, total

    def __repr__(self):
        return f"{self.points:g}"

    def _repr_html_(self):
        checks = f"{self.passed} of {self.total} checks pass" if self.total else "not judged"
        return f"<div><b>{self.points:g} of {self.worth:g} points</b> ({html.escape(checks)}: partial credit)</div>"


def earned_points(result):
    """``EarnedPoints`` for a verdict: its ``partial_points`` (0 for a piece not started)."""
    return EarnedPoints(result.get("partial_points") or 0, result.get("max_points") or 0,
                        result.get("passed", 0), result.get("total", 0))
