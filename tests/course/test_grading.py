"""How a check ends, by who runs the notebook, and the partial credit the checks' weights give."""
import json
import textwrap

import pytest

from catdog_lib.course import grading
from catdog_lib.course.judge import pytest_args, run_cold
from catdog_lib.course.registry import get_piece

SWITCHES = ("NBGRADER_EXECUTION", "CATDOG_STRICT_CHECKS", "CATDOG_PARTIAL_CREDIT", "CATDOG_SOLUTIONS")


@pytest.fixture(autouse=True)
def _a_learner(monkeypatch):
    for name in SWITCHES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("value,default,expected", [
    ("0", True, False), ("off", True, False), ("No", True, False), ("FALSE", True, False),
    ("1", False, True), ("on", False, True), ("yes", False, True),
    ("", True, True), ("", False, False), ("maybe", True, True), (None, False, False),
])
def test_switch(monkeypatch, value, default, expected):
    if value is not None:
        monkeypatch.setenv("CATDOG_X", value)
    assert grading.switch("CATDOG_X", default) is expected


@pytest.mark.parametrize("env,outcome,solutions", [
    ({}, "show", True),
    ({"CATDOG_STRICT_CHECKS": "1"}, "fail", True),
    ({"CATDOG_SOLUTIONS": "0"}, "show", False),
    ({"NBGRADER_EXECUTION": "validate"}, "fail", False),
    ({"NBGRADER_EXECUTION": "autograde"}, "points", False),
    ({"NBGRADER_EXECUTION": "autograde", "CATDOG_PARTIAL_CREDIT": "0"}, "fail", False),
])
def test_who_runs_the_notebook_decides(monkeypatch, env, outcome, solutions):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert grading.when_a_check_fails() == outcome
    assert grading.solutions_shown() is solutions


def test_earned_points_read_as_a_number_by_nbgrader():
    """nbgrader's get_partial_grade float()s the result's text/plain."""
    points = grading.earned_points({"partial_points": 1.43, "max_points": 2, "passed": 5, "total": 7})
    assert repr(points) == "1.43" and float(repr(points)) == 1.43
    assert "1.43 of 2 points" in points._repr_html_() and "5 of 7 checks pass" in points._repr_html_()
    assert repr(grading.earned_points({"status": "not_started", "max_points": 2})) == "0"


def test_partial_points_follow_the_checks_weights(tmp_path):
    """A check's weight(n) marker: here a passing check of weight 3 and a failing one of weight 1."""
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "conftest.py").write_text('pytest_plugins = ["catdog_lib.course.plugin"]\n')
    (checks / "test_weights.py").write_text(textwrap.dedent('''\
        import pytest

        from catdog_lib.course.plugin import expect


        @pytest.mark.weight(3)
        def test_heavy(split_items):
            pass


        def test_light(split_items):
            expect(False, "the light check fails", hint="on purpose")
        '''))
    out = tmp_path / "verdicts.json"
    returncode, output = run_cold(pytest_args(checks, tmp_path / "ws", ["split_items"], True, out), tmp_path, 300)
    verdict = json.loads(out.read_text())["pieces"]["split_items"]
    worth = get_piece("split_items").points
    assert verdict["status"] == "failed" and (verdict["passed"], verdict["total"]) == (1, 2), output
    assert verdict["partial_points"] == round(worth * 3 / 4, 2) and verdict["points"] == 0
