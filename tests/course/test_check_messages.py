"""What a check run shows a learner is in both languages: every sentence goes through ``tr``, and
``CATDOG_LANG=zh`` turns a verdict and its hint into Chinese while the English stays word for word.

The build check (``catdog build --check``) already fails on a message of the code that the
catalogue lacks, or whose placeholders differ; these tests make sure no sentence escapes ``tr``
in the first place, and that the language really reaches the checks' process, cold and warm.
"""
import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from catdog_lib.course import warm
from catdog_lib.course.judge import checks_dir, judge
from catdog_lib.course.verdicts import verdict_text
from catdog_lib.i18n import tr

ROOT = Path(__file__).resolve().parents[2]
CHECKS = sorted((ROOT / "checks").glob("test_*.py"))
# The check machinery: every sentence a check run can print comes from these or from checks/.
MACHINERY = [ROOT / "catdog_lib" / "course" / f"{name}.py" for name in (
    "plugin", "expect", "guard", "verdicts", "error_hints", "another_process", "registry", "grading", "hints",
    "judge", "loading")]
WRONG = ROOT / "tests" / "checks" / "wrong"

# Three words or more in a row: a sentence, or a part of one, that a learner would read.
SENTENCE = re.compile(r"[A-Za-z]{2,}[ ,:;]+[A-Za-z]{2,}[ ,:;]+[A-Za-z]{2,}")
CODE = re.compile(r"[\w.]+\(.*\)")  # a call as a message quotes it: split_items(items, seed=3)
# Where the words are the failure a check reports, and the keyword arguments that carry them.
MESSAGE_ARGS = {"expect": (1,), "CheckFailed": (0, 1), "PieceError": (0, 1), "expect_raises": ()}
MESSAGE_KEYWORDS = {"message", "hint", "other", "other_hint"}


def _text(node):
    """The text of a str or f-string literal (``{}`` for each value), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _called(node):
    return getattr(node.func, "id", None) or getattr(node.func, "attr", None)


def _not_shown(tree):
    """The ids of literals that are no learner's words: docstrings, the text inside tr/N_ (that is the
    catalogue's), the pieces of an f-string, what an error's text is compared with, pytest's own option
    help (the CLI stays English), the regular expressions that pick an error hint."""
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and _text(body[0].value) is not None:
            skip.add(id(body[0].value))
        if isinstance(node, ast.Call) and _called(node) in ("tr", "N_", "addoption", "addinivalue_line", "getgroup"):
            skip.update(id(sub) for sub in ast.walk(node))
        if isinstance(node, (ast.JoinedStr, ast.Compare)):
            skip.update(id(sub) for sub in ast.walk(node) if sub is not node)
        if isinstance(node, ast.Assign) and any(getattr(t, "attr", None) == "__doc__" for t in node.targets):
            skip.add(id(node.value))
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "ERROR_HINTS" for t in node.targets):
            skip.update(id(sub) for row in node.value.elts for sub in ast.walk(row.elts[1]))
    return skip


def untranslated_sentences(source, filename="<source>"):
    """``[(line, text)]`` of the sentence-like literals of ``source`` that do not pass through tr/N_."""
    tree = ast.parse(source, filename)
    skip = _not_shown(tree)
    return [(node.lineno, _text(node)) for node in ast.walk(tree)
            if _text(node) is not None and id(node) not in skip and SENTENCE.search(_text(node))
            and not CODE.fullmatch(_text(node))]


def _literal_names(tree):
    """Names assigned a bare str or f-string literal anywhere in the module."""
    return {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign) and _text(node.value) is not None
            for target in node.targets if isinstance(target, ast.Name)}


def _is_words(node, literal_names):
    """Whether a message argument is words that went through tr: a tr(...) call, or a choice or lambda of
    them, or a value computed elsewhere (a name, an attribute, another call) that is no bare literal."""
    if isinstance(node, ast.Lambda):
        return _is_words(node.body, literal_names)
    if isinstance(node, ast.Starred):  # CheckFailed(*mistake): a (message, hint) pair made elsewhere
        return _is_words(node.value, literal_names)
    if isinstance(node, ast.IfExp):
        return _is_words(node.body, literal_names) and _is_words(node.orelse, literal_names)
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    if isinstance(node, ast.Name):
        return node.id not in literal_names
    if isinstance(node, ast.Call):
        return _called(node) != "N_"  # N_ marks a constant; it is shown through tr
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        return True
    return False  # a bare literal, an f-string, a concatenation...


def bare_messages(source, filename="<source>"):
    """``[(line, source of the argument)]`` of the message and hint arguments that are not tr(...) words."""
    tree = ast.parse(source, filename)
    names = _literal_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _called(node) not in MESSAGE_ARGS:
            continue
        arguments = [node.args[i] for i in MESSAGE_ARGS[_called(node)] if i < len(node.args)]
        arguments += [k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS]
        found += [(a.lineno, ast.get_source_segment(source, a)) for a in arguments if not _is_words(a, names)]
    return found


def values_named_message(source, filename="<source>"):
    """Lines of tr(...) calls that pass a value called ``message`` (tr's own first parameter: a TypeError)."""
    return [node.lineno for node in ast.walk(ast.parse(source, filename)) if isinstance(node, ast.Call)
            and _called(node) == "tr" and any(k.arg == "message" for k in node.keywords)]


@pytest.mark.parametrize("path", CHECKS + MACHINERY, ids=lambda p: p.name)
def test_no_sentence_escapes_tr(path):
    source = path.read_text(encoding="utf-8")
    assert not untranslated_sentences(source, str(path)), f"{path.name}: wrap these in tr() (N_() for constants)"
    assert not bare_messages(source, str(path)), f"{path.name}: a check's message or hint must be tr(...)"
    assert not values_named_message(source, str(path)), f"{path.name}: name that value otherwise ({{detail}})"


def test_the_scans_find_what_escapes():
    """The two scans above can fail: each catches the ways a sentence used to slip past."""
    source = '''
def test_x(piece):
    expect(piece() == 1, f"the piece gave {piece()}, not one", hint="Return the number one.")
    expect(piece() == 1, tr("the piece gave {got}, not one", got=piece()), hint=tr("Return the number one."))
    expect_raises(ValueError, piece, message=lambda r: f"it returned {r} instead of raising",
                  other_hint="Raise it yourself.")
    words = "a sentence kept in a name"
    raise CheckFailed(words, hint=HINT)
HINT = N_("A constant shown through tr later.")
'''
    assert values_named_message("tr('it failed: {message}', message=str(error))\ntr('{detail}', detail=1)") == [1]
    assert sorted(line for line, _ in untranslated_sentences(source)) == [3, 3, 5, 6, 7]
    assert sorted(text for _, text in bare_messages(source)) == sorted([
        'f"the piece gave {piece()}, not one"', '"Return the number one."',
        'lambda r: f"it returned {r} instead of raising"', '"Raise it yourself."', "words"])


# ----- the language reaches the checks ----------------------------------------------------

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _judged(tmp_path, piece, wrong, lang):
    """The JSON verdict on ``wrong`` (a file of tests/checks/wrong/<piece>/) from ``pytest checks``, with
    ``CATDOG_LANG`` set to ``lang`` (or unset)."""
    workspace = tmp_path / f"ws_{lang}"
    workspace.mkdir()
    (workspace / f"{piece}.py").write_text((WRONG / piece / wrong).read_text())
    out = tmp_path / f"verdict_{lang}.json"
    env = {k: v for k, v in os.environ.items() if k != "CATDOG_LANG"}
    if lang:
        env["CATDOG_LANG"] = lang
    subprocess.run([sys.executable, "-m", "pytest", "checks", "--workspace", str(workspace), "--catdog-json",
                    str(out), "-q", "-p", "no:cacheprovider", "-p", "no:nbval", "-k", piece],
                   cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return json.loads(out.read_text(encoding="utf-8"))["pieces"][piece]


def test_a_wrong_label_from_filename_is_judged_in_chinese_and_in_english(tmp_path):
    english = _judged(tmp_path, "label_from_filename", "substring.py", None)
    chinese = _judged(tmp_path, "label_from_filename", "substring.py", "zh")
    # The English, word for word as before the catalogue.
    assert english["message"] == ("label_from_filename('catalog.jpg') returned 'cat' instead of raising ValueError: "
                                  "it matches a substring or lets other names through; compare the whole part "
                                  "before the first dot")
    assert english["hint"] == ("'hotdog' contains 'dog' but is not 'dog': compare with ==, not 'in' or startswith, "
                               "and raise ValueError for anything else.")
    # The same failure in Chinese, its values in their places.
    assert chinese["message"] == ("label_from_filename('catalog.jpg') 返回了 'cat'，而没有抛出 ValueError：它在匹配"
                                  "子串，或者放过了其他文件名；请把第一个点之前的整个部分拿来比较")
    assert chinese["hint"].startswith("'hotdog' 包含 'dog'，但它不是 'dog'") and CHINESE.search(chinese["hint"])
    assert (chinese["passed"], chinese["total"]) == (english["passed"], english["total"])
    assert [f["check"] for f in chinese["failures"]] == [f["check"] for f in english["failures"]]
    assert all(CHINESE.search(f["message"]) and CHINESE.search(f["hint"]) for f in chinese["failures"])
    # What %check shows.
    os.environ.pop("CATDOG_LANG", None)
    assert verdict_text("label_from_filename", english).splitlines()[:3] == [
        f"label_from_filename: {english['passed']} of {english['total']} checks pass", f"  {english['message']}", f"  Hint: {english['hint']}"]
    os.environ["CATDOG_LANG"] = "zh"
    try:
        assert verdict_text("label_from_filename", chinese).splitlines()[:3] == [
            f"label_from_filename: {chinese['passed']} / {chinese['total']} 项检查通过", f"  {chinese['message']}", f"  提示：{chinese['hint']}"]
    finally:
        del os.environ["CATDOG_LANG"]


def test_a_split_that_is_not_stratified_names_its_numbers_in_chinese(tmp_path):
    chinese = _judged(tmp_path, "split_items", "not_stratified.py", "zh")
    first = next(f for f in chinese["failures"] if f["check"] == "test_is_stratified")
    numbers = re.fullmatch(r"(\d+) 只猫、(\d+) 只狗且 val_fraction=([\d.]+) 时，验证集有 (\d+) 只猫和 (\d+) 只狗"
                           r"（seed=(\d+)），而 (cat|dog) 应为 (\d+) 或 (\d+) 只：这个划分没有分层", first["message"])
    assert numbers, first["message"]
    assert first["hint"] == "每个标签单独划分：验证集从每个标签的 n 项中取 round(n * val_fraction) 项。"


@pytest.mark.skipif(not warm.fork_is_safe(), reason="the warm judge forks: Linux only")
def test_the_warm_judge_speaks_the_language_of_each_judgement(tmp_path, monkeypatch):
    """A warm judge started in English judges in Chinese once the lesson has switched (its children take the
    kernel's environment of the moment), and back."""
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "label_from_filename.py").write_text((WRONG / "label_from_filename" / "substring.py").read_text())
    monkeypatch.delenv("CATDOG_LANG", raising=False)
    judge_ = warm.WarmJudge(checks_dir())
    try:
        english = judge(["label_from_filename"], workspace=workspace, warm=judge_)["label_from_filename"]
        monkeypatch.setenv("CATDOG_LANG", "zh")
        chinese = judge(["label_from_filename"], workspace=workspace, warm=judge_)["label_from_filename"]
        monkeypatch.delenv("CATDOG_LANG")
        again = judge(["label_from_filename"], workspace=workspace, warm=judge_)["label_from_filename"]
        assert judge_.pid is not None  # it was the warm judge that judged
    finally:
        judge_.stop()
    assert english["message"].startswith("label_from_filename('catalog.jpg') returned 'cat' instead of raising")
    assert chinese["message"].startswith("label_from_filename('catalog.jpg') 返回了 'cat'，而没有抛出 ValueError")
    assert again["message"] == english["message"] and again["hint"] == english["hint"]


def test_values_land_in_their_places_in_chinese():
    """A message whose values come in another order in Chinese: each value in its own place."""
    message = ("with {counts_cat} cats, {counts_dog} dogs and val_fraction={fraction}, val holds {got_cat} cats and "
               "{got_dog} dogs (seed={seed}), not {ok_0} or {ok_1} {label}s: the split is not stratified")
    values = dict(counts_cat=30, counts_dog=10, fraction=0.25, got_cat=10, got_dog=0, seed=3, ok_0=2, ok_1=3,
                  label="dog")
    assert tr(message, lang="en", **values) == ("with 30 cats, 10 dogs and val_fraction=0.25, val holds 10 cats and "
                                                "0 dogs (seed=3), not 2 or 3 dogs: the split is not stratified")
    assert tr(message, lang="zh", **values) == ("30 只猫、10 只狗且 val_fraction=0.25 时，验证集有 10 只猫和 0 只狗"
                                                "（seed=3），而 dog 应为 2 或 3 只：这个划分没有分层")
    # A value shown with !r and a number format keep them in Chinese.
    assert tr("{name} ran for more than {limit:g} s and was stopped: is there a loop that never ends?",
              lang="zh", name="run_epoch", limit=20.0) == "run_epoch 运行超过 20 秒，已被停止：是不是有永不结束的循环？"
    assert tr("label_from_filename({name!r}) returned {result!r}, not {label!r}", lang="zh", name="dog.7.jpg",
              result=7, label="dog") == "label_from_filename('dog.7.jpg') 返回了 7，而不是 'dog'"
