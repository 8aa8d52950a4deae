"""The course extension in JupyterLab, as a learner: the Check and Hint buttons on a piece cell, the Course panel.

Lesson 02 in English, then in Chinese: write a wrong piece, press Check, see
the red verdict under the cell and in the panel; fix it, press Check, see it
turn green; press Hint twice and see two different hints; click a piece in
the panel and land on its cell. Each step is one in a row on one tab, with a
screenshot (``artifacts/ext_*.png``); the time from the Check click to its
verdict on screen is written to ``artifacts/ext_check_times.json``.
"""
import json
import re
import time

import pytest

from . import lab_ui as ui
from .test_lesson02_in_lab import NOT_STRATIFIED, RIGHT, is_green, is_red
from .test_lesson02_zh_in_lab import CJK
from .test_lesson02_zh_in_lab import RIGHT as RIGHT_LABEL
from .test_lesson02_zh_in_lab import WHOLE_STEM

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PANEL = "#catdog-course-panel"
TIMES = {}


@pytest.fixture(scope="module", autouse=True)
def workspace_kept(kernel_env, tmp_path_factory):
    """The learner's workspace as it was before this module: the lesson tests after it start where they expect
    (no piece written here, their hints counted from 1). It starts with no hints seen for this module's pieces."""
    import shutil
    from pathlib import Path

    workspace = Path(kernel_env["CATDOG_WORKSPACE"])
    saved = tmp_path_factory.mktemp("workspace_before") / "ws"
    if workspace.exists():
        shutil.copytree(workspace, saved, symlinks=True)
    (workspace / ".hints_seen.json").unlink(missing_ok=True)
    yield
    shutil.rmtree(workspace, ignore_errors=True)
    if saved.exists():
        shutil.copytree(saved, workspace, symlinks=True)


@pytest.fixture(scope="module")
def times(artifacts):
    yield TIMES
    (artifacts / "ext_check_times.json").write_text(json.dumps(TIMES, indent=1))


def open_panel(page):
    """Click the Course tab in the left side bar; the panel shows lesson 02's pieces."""
    page.locator(".jp-SideBar .lm-TabBar-tab[data-id='catdog-course-panel']").click()
    page.locator(f"{PANEL} .jp-CatdogPanel-piece[data-piece='split_items']").wait_for(timeout=30_000)


def panel_piece(page, name):
    return page.locator(f"{PANEL} .jp-CatdogPanel-piece[data-piece='{name}']")


def press_check(page, piece_cell, verdict, panel_state, name, label):
    """Click in the piece cell, press its Check button; wait for ``verdict`` (under the cell) and the panel's state."""
    piece_cell.scroll_into_view_if_needed()
    piece_cell.locator(".jp-InputArea-editor").click()
    button = piece_cell.locator(".jp-CatdogButton-check")
    button.wait_for(state="visible", timeout=10_000)
    started = time.perf_counter()
    button.click()
    verdict.wait_for(timeout=ui.CELL_RUN_S * 1000)
    shown = time.perf_counter() - started
    panel_piece(page, name).and_(page.locator(f"[data-state='{panel_state}']")).wait_for(timeout=30_000)
    TIMES.setdefault(label, []).append(round(shown, 3))
    return shown


def write(page, name, code):
    piece = ui.cell(page, f"%%piece {name}")
    typed = ui.type_into(page, piece, code)
    assert typed.strip() == code.strip()
    return piece


def verdict_block(check_cell, name, colour_test=None):
    """The verdict's first line under the %check cell: the coloured block naming the piece in bold."""
    return check_cell.locator(".jp-OutputArea-output div[style*='color']", has=check_cell.page.locator("b", has_text=name))


def assert_lands_on(page, name):
    """Click ``name`` in the panel: its lesson's cell is the active one, on screen."""
    panel_piece(page, name).click()
    index = ui.cell_index(page, f"%%piece {name}")
    page.wait_for_function(f"(i) => {ui.NOTEBOOK_JS}.content.activeCellIndex === i", arg=index, timeout=30_000)
    target = ui.cells(page).nth(index)
    page.wait_for_function("(el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }",
                           arg=target.element_handle(), timeout=10_000)


def run_course(page, lab, artifacts, lesson, workspace, name, wrong, right, wrong_words, prefix):
    ui.open_lesson(page, lab, workspace, lesson, artifacts, f"{prefix}00_opened")
    open_panel(page)
    piece = write(page, name, wrong)
    check = ui.cell(page, f"%check {name}")
    first = press_check(page, piece, verdict_block(check, name).first, "failed", name, f"{prefix}first")
    line = verdict_block(check, name).first
    assert is_red(ui.colour_of(line)), f"the failing verdict is not red: {ui.colour_of(line)}"
    reason = panel_piece(page, name).locator(".jp-CatdogPanel-reason").inner_text()
    assert re.search(wrong_words, ui.output_text(check)) and re.search(wrong_words, reason), \
        f"the verdict under the cell and the panel do not say what is wrong:\n{ui.output_text(check)}\npanel: {reason}"
    assert reason in ui.output_text(check), "the panel's reason is not the one under the cell"
    ui.shot(page, artifacts, f"{prefix}01_check_red")

    write(page, name, right)
    warm = press_check(page, piece, verdict_block(check, name).filter(has_text=re.compile(r"(\d+)\D+\1")).first,
                       "passed", name, f"{prefix}warm")
    line = verdict_block(check, name).first
    assert is_green(ui.colour_of(line)), f"the passing verdict is not green: {ui.colour_of(line)}"
    assert panel_piece(page, name).locator(".jp-CatdogPanel-reason").count() == 0
    ui.shot(page, artifacts, f"{prefix}02_check_green")

    piece.locator(".jp-InputArea-editor").click()
    piece.locator(".jp-CatdogButton-hint").click()
    hints = piece.locator(".jp-OutputArea-output")
    hints.nth(0).wait_for(timeout=60_000)
    page.keyboard.press("Control+Alt+h")  # the second by the keyboard
    hints.nth(1).wait_for(timeout=60_000)
    one, two = hints.nth(0).inner_text(), hints.nth(1).inner_text()
    assert one.strip() and two.strip() and one != two, f"two Hint presses show:\n{one}\n---\n{two}"
    panel_piece(page, name).locator(".jp-CatdogPanel-hints").wait_for(timeout=30_000)
    ui.shot(page, artifacts, f"{prefix}03_hints")
    return first, warm, one, two


def test_lesson02_check_hint_and_panel(page, lab, artifacts, times):
    first, warm, one, two = run_course(page, lab, artifacts, "lessons/02_data_and_splits.ipynb", "ext_en",
                                       "split_items", NOT_STRATIFIED, RIGHT, r"not stratified", "ext_en_")
    assert "Hint 1 of" in one and "Hint 2 of" in two
    text = page.locator(PANEL).inner_text()
    assert "Lesson 02" in text and "passing" in text
    assert_lands_on(page, "arrange_imagefolder")
    ui.shot(page, artifacts, "ext_en_04_panel_click")


def test_lesson02_zh_reads_chinese(page, lab, artifacts, times):
    first, warm, one, two = run_course(page, lab, artifacts, "lessons/zh/02_data_and_splits.ipynb", "ext_zh",
                                       "label_from_filename", WHOLE_STEM, RIGHT_LABEL, CJK.pattern, "ext_zh_")
    assert CJK.search(one) and CJK.search(two)
    panel = page.locator(PANEL)
    page.wait_for_function("() => document.querySelector('#catdog-course-panel').dataset.lang === 'zh'")
    text = panel.inner_text()
    assert "第 02 课" in text and "通过" in text, f"the panel does not read Chinese:\n{text}"
    assert_lands_on(page, "split_items")
    ui.shot(page, artifacts, "ext_zh_04_panel_click")


def test_one_warm_judge_for_the_whole_server(lab):
    """Two lessons' kernels judged above; one warm process did it all, the server's (not one per kernel)."""
    parents = dict(processes())
    below_server = [pid for pid in parents if descends_from(pid, lab.pid, parents)]
    warm = [parents[pid] for pid in below_server if "catdog_lib.course.warm" in cmdline(pid)]
    assert len(lab.kernel_commands()) >= 2, "the two lessons' kernels are not running"
    assert warm == [lab.pid], f"warm judges' parents: {warm}; the server is {lab.pid}"


def processes():
    """``(pid, parent pid)`` of every process (Linux /proc)."""
    from pathlib import Path

    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                yield int(proc.name), int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue


def descends_from(pid, ancestor, parents):
    while pid in parents and pid > 1:
        pid = parents[pid]
        if pid == ancestor:
            return True
    return False


def cmdline(pid):
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []
