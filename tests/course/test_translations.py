"""The Chinese edition: catalogues keyed by cell id, kept in step with the English lessons by `catdog build`."""
import ast

import nbformat
import polib
import pytest

from catdog_lib.course.build import build, out_of_step
from catdog_lib.course.translate import with_language

from test_build_lessons import kit, tiny_solution  # noqa: F401  (the fixture and the notebook)


SETUP = 'from catdog_lib.notebook.runtime import start_lesson\nruntime = start_lesson(KIT)  # Colab: the kit\n%load_ext catdog_lib'


@pytest.fixture
def course(kit):  # noqa: F811
    """The tiny course with a Chinese edition, its setup cell calling start_lesson as the lessons' do."""
    solutions, lessons = kit
    nb = read(solutions / "02_tiny.ipynb")
    nb.cells[1].source = SETUP
    nbformat.write(nb, solutions / "02_tiny.ipynb")
    (solutions / "zh").mkdir()
    return solutions, lessons


def read(path):
    return nbformat.read(path, as_version=4)


def catalogue(solutions):
    return polib.pofile(str(solutions / "zh" / "02_tiny.po"), wrapwidth=0)


def translate(solutions, strings):
    po = catalogue(solutions)
    for entry in po:
        if entry.msgctxt in strings:
            entry.msgstr = strings[entry.msgctxt]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save()


ZH = {"intro": "# 小课\n\n为什么*标签*很重要。",
      "answer": "为什么？\n\n### BEGIN SOLUTION\n因为。\n### END SOLUTION",
      "piece docstring": "从 Kaggle 的文件名里读出标签：``cat.123.jpg`` -> ``\"cat\"``。"}


def test_a_new_language_starts_with_a_catalogue_of_every_cell_to_translate(course):
    solutions, lessons = course
    build(solutions, lessons, report=lambda line: None)
    po = catalogue(solutions)
    assert [e.msgctxt for e in po] == ["intro", "piece docstring", "answer"]
    assert po[0].msgid == tiny_solution().cells[0].source and po[0].msgstr == ""
    assert po[1].msgid.startswith("Read the label out of a Kaggle file name")
    problems = out_of_step(solutions, lessons)
    assert problems == [f"untranslated: zh/02_tiny.po cell {c}: not translated yet"
                        for c in ("intro", "piece docstring", "answer")]


def test_translated_cells_reach_the_chinese_solution_and_lesson_and_the_code_stays(course):
    solutions, lessons = course
    build(solutions, lessons, report=lambda line: None)
    translate(solutions, ZH)
    build(solutions, lessons, report=lambda line: None)
    assert out_of_step(solutions, lessons) == []

    english, chinese = read(solutions / "02_tiny.ipynb"), read(solutions / "zh" / "02_tiny.ipynb")
    assert [c.id for c in chinese.cells] == [c.id for c in english.cells]
    assert chinese.cells[0].source == ZH["intro"] and chinese.metadata["catdog"]["lang"] == "zh"
    assert chinese.cells[1].source == SETUP.replace("start_lesson(KIT)", 'start_lesson(KIT, lang="zh")')
    piece = chinese.cells[2].source
    function = ast.parse(piece.partition("\n")[2]).body[0]
    assert ast.get_docstring(function) == ZH["piece docstring"]
    assert piece.split('"""')[2] == english.cells[2].source.split('"""')[2]  # the same code after the docstring
    assert chinese.cells[3].source == english.cells[3].source  # %check

    lesson = read(lessons / "zh" / "02_tiny.ipynb")
    assert lesson.cells[0].source == ZH["intro"]
    assert lesson.cells[2].source.endswith("# YOUR CODE HERE\n    raise NotImplementedError()")
    assert ZH["piece docstring"] in lesson.cells[2].source
    assert lesson.cells[4].source == "为什么？\n\nYOUR ANSWER HERE"
    assert lesson.cells[2].metadata["nbgrader"]["grade_id"] == "piece_label_from_filename"


def test_an_english_edit_without_its_translation_fails_the_check(course):
    solutions, lessons = course
    build(solutions, lessons, report=lambda line: None)
    translate(solutions, ZH)
    build(solutions, lessons, report=lambda line: None)
    nb = read(solutions / "02_tiny.ipynb")
    nb.cells[0].source = "# Tiny lesson\n\nWhy *labels* matter, revised."
    nbformat.write(nb, solutions / "02_tiny.ipynb")

    assert "stale: zh/02_tiny.po cell intro: the English changed, its translation is marked fuzzy" \
        in out_of_step(solutions, lessons)
    build(solutions, lessons, report=lambda line: None)
    problems = out_of_step(solutions, lessons)
    assert problems == ["untranslated: zh/02_tiny.po cell intro: the English changed since it was translated (fuzzy)"]
    entry = catalogue(solutions)[0]
    assert "fuzzy" in entry.flags and entry.previous_msgid == "# Tiny lesson\n\nWhy *labels* matter."
    assert read(solutions / "zh" / "02_tiny.ipynb").cells[0].source == ZH["intro"]  # the old words, until updated

    translate(solutions, {"intro": "# 小课\n\n为什么*标签*很重要（修订版）。"})
    build(solutions, lessons, report=lambda line: None)
    assert out_of_step(solutions, lessons) == []
    assert catalogue(solutions)[0].previous_msgid is None


def test_an_inserted_english_cell_is_one_new_entry_and_ids_stay(course):
    solutions, lessons = course
    build(solutions, lessons, report=lambda line: None)
    translate(solutions, ZH)
    nb = read(solutions / "02_tiny.ipynb")
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A new paragraph."))
    nbformat.write(nb, solutions / "02_tiny.ipynb")
    build(solutions, lessons, report=lambda line: None)
    assert out_of_step(solutions, lessons) == [f"untranslated: zh/02_tiny.po cell {nb.cells[1].id}: not translated yet"]
    assert [c.id for c in read(lessons / "zh" / "02_tiny.ipynb").cells] == [c.id for c in nb.cells]


def test_a_hand_edited_chinese_notebook_is_rebuilt_from_the_english(course):
    solutions, lessons = course
    build(solutions, lessons, report=lambda line: None)
    translate(solutions, ZH)
    build(solutions, lessons, report=lambda line: None)
    zh = read(solutions / "zh" / "02_tiny.ipynb")
    zh.cells[1].source += "\nprint('only in Chinese')"
    nbformat.write(zh, solutions / "zh" / "02_tiny.ipynb")
    assert out_of_step(solutions, lessons) == [
        f"stale: {solutions / 'zh' / '02_tiny.ipynb'} differs from what the build makes"]
    build(solutions, lessons, report=lambda line: None)
    assert "only in Chinese" not in read(solutions / "zh" / "02_tiny.ipynb").cells[1].source


def test_the_language_is_the_one_difference_in_the_setup_cell():
    assert with_language(SETUP, "zh") == SETUP.replace("start_lesson(KIT)", 'start_lesson(KIT, lang="zh")')
    assert with_language("runtime = start_lesson()", "zh") == 'runtime = start_lesson(lang="zh")'
    assert with_language('start_lesson(KIT, lang="zh")', "zh") is None  # one language a cell
    assert with_language("from catdog_lib.notebook.runtime import start_lesson\n%load_ext catdog_lib", "zh") is None


def test_a_setup_cell_without_start_lesson_is_a_fault(course):
    solutions, lessons = course
    nb = read(solutions / "02_tiny.ipynb")
    nb.cells[1].source = "%load_ext catdog_lib"
    nbformat.write(nb, solutions / "02_tiny.ipynb")
    assert "fault: zh/02_tiny.ipynb cell setup: the setup cell calls no start_lesson(...), so the zh edition cannot " \
           "tell the course its language: call start_lesson(KIT) in it" in out_of_step(solutions, lessons)


def test_a_chinese_setup_cell_changed_beyond_its_language_is_a_fault(course):
    from catdog_lib.course.translate import code_differences, translate_notebook

    solutions, lessons = course
    build(solutions, lessons, report=lambda line: None)
    english = read(solutions / "02_tiny.ipynb")
    chinese = translate_notebook(english, catalogue(solutions), "zh")
    assert code_differences(english, chinese, "zh") == []
    chinese.cells[1].source = chinese.cells[1].source.replace('lang="zh"', 'lang="en"')
    chinese.cells[3].source += "  # a note"
    assert code_differences(english, chinese, "zh") == [
        'cell setup: the setup cell must be the English one with start_lesson(..., lang="zh"), and nothing else changed',
        "cell check: its code differs from the English cell's"]


def test_the_kits_own_lessons_an_english_edit_without_its_translation_fails_catdog_build_check(tmp_path, capsys):
    """On the real course: edit one English markdown cell of lesson 02, and `catdog build --check` fails, naming it."""
    import shutil
    from pathlib import Path

    from catdog_lib.cli import main

    kit = Path(__file__).resolve().parents[2]
    solutions, lessons = tmp_path / "solutions", tmp_path / "lessons"
    shutil.copytree(kit / "solutions", solutions, ignore=shutil.ignore_patterns("*.py", "__pycache__", ".ipynb*"))
    shutil.copytree(kit / "lessons", lessons)
    assert out_of_step(solutions, lessons) == []  # the kit's course is in step, translations included

    nb = read(solutions / "02_data_and_splits.ipynb")
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and c.id != "c02-00")
    cell.source += "\n\nOne more English sentence."
    nbformat.write(nb, solutions / "02_data_and_splits.ipynb")
    capsys.readouterr()
    assert main(["build", "--check", "--solutions", str(solutions), "--lessons", str(lessons)]) != 0
    err = capsys.readouterr().err
    assert f"zh/02_data_and_splits.po cell {cell.id}: the English changed, its translation is marked fuzzy" in err

    build(solutions, lessons, report=lambda line: None)  # the build marks it fuzzy; the check still fails
    assert main(["build", "--check", "--solutions", str(solutions), "--lessons", str(lessons)]) != 0
    assert f"untranslated: zh/02_data_and_splits.po cell {cell.id}: the English changed since it was translated " \
           "(fuzzy)" in capsys.readouterr().err


def test_every_chinese_markdown_cell_renders_its_emphasis():
    """No ``**`` left showing: CommonMark does not close ``**时间：**约`` (punctuation, then a letter), so a
    translation must put the colon outside (``**时间**：约``)."""
    import re
    from pathlib import Path

    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable("table")
    left = []
    for path in sorted((Path(__file__).resolve().parents[2] / "solutions" / "zh").glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.msgctxt.endswith(" docstring") or not entry.msgstr:
                continue
            html = re.sub(r"<(code|pre)>.*?</\1>", "", md.render(entry.msgstr), flags=re.S)
            plain = re.sub(r"<[^>]+>", "", html)
            left += [f"{path.name} cell {entry.msgctxt}: {m.group(0)!r}" for m in re.finditer(r".{0,12}\*+.{0,12}", plain)]
    assert left == []


def test_each_lesson_links_to_its_twin_in_the_other_language_for_jupyterlab_and_colab():
    """The first cell of lessons/NN.ipynb links to lessons/zh/NN.ipynb and back: a relative link (JupyterLab opens
    it) and the twin's Colab address (Colab cannot follow relative links)."""
    import re
    from pathlib import Path

    kit = Path(__file__).resolve().parents[2]
    colab = "https://colab.research.google.com/github/catdog-course/catdog-kit/blob/main/"
    english = sorted((kit / "lessons").glob("*.ipynb"))
    assert english and [p.name for p in english] == sorted(p.name for p in (kit / "lessons" / "zh").glob("*.ipynb"))
    for path in english:
        for this, twin in ((path, path.parent / "zh" / path.name), (path.parent / "zh" / path.name, path)):
            first = read(this).cells[0].source
            targets = re.findall(r"\]\(([^)\s]+\.ipynb)\)", first)
            relative = [t for t in targets if not t.startswith("http")]
            assert relative and all((this.parent / t).resolve() == twin.resolve() for t in relative), (this, targets)
            assert colab + twin.relative_to(kit).as_posix() in targets, (this, targets)
