"""What a learner does in JupyterLab, as Playwright steps: open, type, run, read.

Every action goes through the page: double-clicks in the file browser, clicks
in a cell, keys (Shift+Enter, Escape, B), the Run menu. JupyterLab's
application object (exposed with ``--LabApp.expose_app_in_browser``) is only
*read*: to find which cell holds some text, and to say why a run failed.
"""
import re

KERNEL_START_S = 120  # a kernel that imports torch on a shared CPU
CELL_RUN_S = 180      # a %check or %progress judges in a fresh process

NOTEBOOK_JS = "window.jupyterapp.shell.currentWidget"


def open_lab(page, lab, workspace):
    """Load JupyterLab with a fresh, named layout (nothing reopened from an earlier tab)."""
    page.goto(f"{lab.url}/lab/workspaces/{workspace}?reset&token={lab.token}")
    page.wait_for_selector(".jp-DirListing-content", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)


def open_notebook(page, path):
    """Open ``path`` (``lessons/02_x.ipynb``) from the file browser by double-clicking each part; wait for its kernel."""
    parts = path.split("/")
    for depth, part in enumerate(parts):
        name = page.locator(".jp-DirListing-itemText", has_text=re.compile(rf"^\s*{re.escape(part)}\s*$"))
        name.first.wait_for(timeout=30_000)
        name.first.dblclick()
        if depth < len(parts) - 1:  # a folder: wait until the listing shows it, or the next double-click lands elsewhere
            page.locator(".jp-BreadCrumbs-item", has_text=re.compile(rf"^\s*{re.escape(part)}\s*$")).last.wait_for(
                timeout=30_000)
    page.wait_for_function(
        """(name) => { const w = window.jupyterapp.shell.currentWidget;
                      return w && w.context && w.context.path.endsWith(name) && w.content && w.content.widgets.length > 0; }""",
        arg=parts[-1], timeout=60_000)
    wait_kernel_idle(page)


def open_lesson(page, lab, workspace, path, artifacts, shot_name):
    """Open lesson ``path`` in a fresh layout, screenshot it, and run its setup cell and the pieces' imports."""
    open_lab(page, lab, workspace)
    open_notebook(page, path)
    shot(page, artifacts, shot_name)
    for start in ("# Setup", "# The names every piece may use"):
        run_cell(page, cell(page, start))
        assert cell_errors(page) == [], f"the cell {start!r} raised: {cell_errors(page)}"
    return page


def wait_kernel_idle(page, timeout_s=KERNEL_START_S):
    page.wait_for_function(
        f"""() => {{ const s = {NOTEBOOK_JS}.sessionContext;
                   return s && s.session && s.session.kernel && s.session.kernel.status === 'idle'; }}""",
        timeout=timeout_s * 1000)


def cells(page):
    """The current notebook's cells, in order."""
    panel_id = page.evaluate(f"{NOTEBOOK_JS}.id")
    return page.locator(f"[id='{panel_id}'] .jp-Notebook .jp-Cell")


def cell_index(page, text):
    """Index of the first cell whose source starts with ``text``, else of the first code cell holding it.

    Read from the notebook model, so a cell is found wherever it is scrolled.
    """
    index = page.evaluate(
        f"""(text) => {{
            const cells = {NOTEBOOK_JS}.content.widgets;
            const source = (c) => c.model.sharedModel.getSource();
            const first = cells.findIndex(c => source(c).trimStart().startsWith(text));
            return first >= 0 ? first : cells.findIndex(c => c.model.type === 'code' && source(c).includes(text)); }}""",
        text)
    assert index >= 0, f"no cell of the open notebook starts with or holds {text!r}"
    return index


def cell(page, text):
    """The cell (a locator) whose source starts with ``text`` (or, failing that, holds it)."""
    return cells(page).nth(cell_index(page, text))


def source_of(page, index):
    return page.evaluate(f"(i) => {NOTEBOOK_JS}.content.widgets[i].model.sharedModel.getSource()", index)


def prompt_text(a_cell):
    return a_cell.locator(".jp-InputArea-prompt").first.inner_text().strip()


def run_cell(page, a_cell, timeout_s=CELL_RUN_S):
    """Click into the cell, press Shift+Enter, wait until it has run (its prompt shows a new number)."""
    before = prompt_text(a_cell)
    a_cell.scroll_into_view_if_needed()
    a_cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    wait_ran(page, a_cell, before, timeout_s)


def wait_ran(page, a_cell, before=None, timeout_s=CELL_RUN_S):
    prompt = a_cell.locator(".jp-InputArea-prompt").first.element_handle()
    page.wait_for_function(
        """([el, before]) => { const t = el.textContent.trim();
                              return /\\[\\d+\\]/.test(t) && t !== before; }""",
        arg=[prompt, before], timeout=timeout_s * 1000)


def type_into(page, a_cell, code):
    """Replace the cell's text as a learner would: click in its editor, select all, type the code.

    The text goes in as one keyboard insertion, so the editor's auto-indent
    does not indent the typed indentation a second time. Returns what the cell
    then holds, for the caller to compare.
    """
    a_cell.scroll_into_view_if_needed()
    a_cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(code)
    index = a_cell.evaluate("(el) => [...el.parentElement.children].filter(c => c.classList.contains('jp-Cell')).indexOf(el)")
    return source_of(page, index)


def add_cell_below(page, a_cell, code):
    """Escape to command mode on ``a_cell``, press B for a new cell below, type ``code``; returns the new cell."""
    a_cell.scroll_into_view_if_needed()
    a_cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Escape")
    count = cells(page).count()
    page.keyboard.press("b")
    page.wait_for_function(f"(n) => {NOTEBOOK_JS}.content.widgets.length === n + 1", arg=count)
    index = page.evaluate(f"{NOTEBOOK_JS}.content.activeCellIndex")
    new = cells(page).nth(index)
    page.keyboard.press("Enter")
    page.keyboard.insert_text(code)
    return new


def run_typed(page, a_cell, timeout_s=CELL_RUN_S):
    """Shift+Enter in the cell being typed in; wait until it has run."""
    before = prompt_text(a_cell)
    page.keyboard.press("Shift+Enter")
    wait_ran(page, a_cell, before, timeout_s)


def output_text(a_cell):
    return a_cell.locator(".jp-OutputArea").first.inner_text()


def run_all(page, last_cell, timeout_s=600):
    """Run → Run All Cells from the menu bar; wait until ``last_cell`` has run."""
    before = prompt_text(last_cell)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    try:
        wait_ran(page, last_cell, before, timeout_s)
    except Exception as e:
        raise AssertionError(f"Run All did not reach the last cell: {cell_errors(page) or e}") from None


def cell_errors(page):
    """``[(cell index, 'Name: message')]`` of the cells that raised, read from the notebook model."""
    return page.evaluate(f"""() => {{
        const out = [];
        {NOTEBOOK_JS}.content.widgets.forEach((c, i) => {{
            if (c.model.type !== 'code') return;
            for (let k = 0; k < c.model.outputs.length; k++) {{
                const o = c.model.outputs.get(k).toJSON();
                if (o.output_type === 'error') out.push([i, o.ename + ': ' + o.evalue]);
            }}
        }});
        return out; }}""")


def colour_of(locator):
    """The computed text colour of an element, as ``(r, g, b)``."""
    text = locator.evaluate("(el) => getComputedStyle(el).color")
    return tuple(int(v) for v in re.findall(r"\d+", text)[:3])


def shot(page, artifacts, name, target=None):
    """Save a screenshot into ``artifacts``: of ``target`` (a cell) when given, else of the window.

    The mouse is moved off the notebook first (a hovered table row is tinted),
    and a cell taller than the window gets a taller window for the shot:
    JupyterLab scrolls inside its own panel, so nothing outside the window is drawn.
    """
    path = artifacts / f"{name}.png"
    page.mouse.move(1, 1)
    if target is None:
        page.screenshot(path=str(path))
        return path
    size = page.viewport_size
    target.scroll_into_view_if_needed()
    height = target.bounding_box()["height"]
    if height > size["height"] - 200:
        page.set_viewport_size({"width": size["width"], "height": int(height) + 300})
    try:
        target.scroll_into_view_if_needed()
        target.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)
    return path
