"""Every way a check can fail carries a hint written for that failure.

test_checks.py walks the wrong versions and fails on a failure without a hint,
or with one of the piece's %hint texts (what a check that has none would fall
back to). Here, the same read off the source, for the failure paths no wrong
version reaches: every ``expect``, ``expect_raises`` and ``CheckFailed`` in
checks/ passes a hint, and the plugin gives the piece's first hint only to a
piece that is still the lesson's stub (that hint is about how to start).
"""
import ast
import re
from pathlib import Path

import pytest

from catdog_lib.course import plugin
from catdog_lib.course.pieces import ERROR_HINTS, READ_THE_TRACEBACK, error_hint

ROOT = Path(__file__).resolve().parents[2]
CHECK_FILES = sorted((ROOT / "checks").glob("test_*.py"))
# call name: how many positional arguments come before the hint
HINT_POSITION = {"expect": 2, "CheckFailed": 1}


def _calls(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("expect", "expect_raises", "CheckFailed"):
            yield node


@pytest.mark.parametrize("path", CHECK_FILES, ids=[p.name for p in CHECK_FILES])
def test_every_failure_in_the_checks_has_a_hint(path):
    missing = []
    for call in _calls(path):
        keywords = {k.arg for k in call.keywords}
        position = HINT_POSITION.get(call.func.id)
        has = "hint" in keywords or (position is not None and len(call.args) > position) or \
            any(isinstance(a, ast.Starred) for a in call.args)
        if not has:
            missing.append(f"{path.name}:{call.lineno} {call.func.id}(...)")
    assert not missing, f"failures without a hint: {missing}"


def test_the_plugin_gives_the_first_hint_only_to_a_stub():
    source = Path(plugin.__file__).read_text()
    uses = [line.strip() for line in source.splitlines() if "HINTS[" in line and "import" not in line]
    assert uses and all("_STUB_MESSAGE" in line for line in uses), uses


@pytest.mark.parametrize("error,words", [
    (RuntimeError("mat1 and mat2 shapes cannot be multiplied (1x150528 and 768x2)"), "A shape error"),
    (TypeError("Input tensor should be a float tensor. Got torch.uint8."), "a missing conversion"),
    (RuntimeError("Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"),
     "A device error"),
    (TypeError("run_epoch() got an unexpected keyword argument 'device'"), "def line"),
    (AttributeError("'str' object has no attribute 'name'"), "Path(path)"),
    (NameError("name 'shutil' is not defined", name="shutil"), "add 'import shutil'"),
    (NameError("name 'criterion' is not defined", name="criterion"), "lesson's first cell imports"),
    (KeyError("train"), "print(list(d))"),
    (ZeroDivisionError("division by zero"), "divide once at the end"),
    (FileExistsError(17, "File exists"), "remove the old folder first"),
])
def test_each_kind_of_error_gets_its_own_hint(error, words):
    assert words in error_hint(error)


def test_an_unknown_error_gets_the_traceback_hint_and_no_kind_shares_a_hint():
    assert error_hint(RuntimeError("something odd")) == READ_THE_TRACEBACK
    hints = [hint for _, _, hint in ERROR_HINTS]
    assert len(set(hints)) == len(hints)
    assert all(re.match(r"[A-Z]", hint) and "\n" not in hint for hint in hints)
