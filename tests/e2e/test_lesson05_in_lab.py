"""Notebook 05 in JupyterLab, as a learner: run it all (small settings), upload two photos, read the verdicts."""
import re

import pytest

from . import lab_ui as ui

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

NOTEBOOK = "lessons/05_train_and_classify.ipynb"
PHOTOS = ("cat.1988.jpg", "dog.1985.jpg")  # in the shared photos and in the kit's sample


@pytest.fixture(scope="module")
def lesson(page, lab):
    """Notebook 05 opened from the file browser and run with Run → Run All Cells."""
    ui.open_lab(page, lab, "lesson05")
    ui.open_notebook(page, NOTEBOOK)
    cells = ui.cells(page)
    ui.run_all(page, cells.nth(cells.count() - 1))
    return page


def test_runs_to_the_end_without_errors(lesson, artifacts):
    page = lesson
    assert ui.cell_errors(page) == [], f"cells raised: {ui.cell_errors(page)}"
    ui.shot(page, artifacts, "06_lesson05_settings", ui.cell(page, "settings = load_settings("))
    ui.shot(page, artifacts, "07_lesson05_pieces", ui.cell(page, "pieces = learner_pieces("))
    ui.shot(page, artifacts, "08_lesson05_curves", ui.cell(page, "curves = live_curves()"))
    curves = ui.cell(page, "curves = live_curves()")
    assert curves.locator(".jp-OutputArea-output img").count() >= 1, "no training curves under the training cell"
    assert re.search(r"best val accuracy \d+\.\d%", ui.output_text(curves))
    ui.shot(page, artifacts, "09_lesson05_top_losses", ui.cell(page, "val_paths = "))


def test_upload_two_photos_shows_label_and_bars(lesson, artifacts, photos_root):
    page = lesson
    box = ui.cell(page, "upload_box(")
    button = box.locator(".jp-OutputArea-output button", has_text="Upload")
    assert button.count() == 1, f"no upload button under the upload_box cell; it shows:\n{ui.output_text(box)}"
    ui.shot(page, artifacts, "10_lesson05_upload_box", box)
    # ipywidgets 8 keeps its <input type=file> out of the page: click the button, answer the file chooser.
    with page.expect_file_chooser() as chooser:
        button.click()
    assert chooser.value.is_multiple(), "the upload box takes one photo at a time; it should take several"
    chooser.value.set_files([str(photos_root / "train" / name) for name in PHOTOS])
    cards = box.locator(".jp-OutputArea-output img[src^='data:image']")
    try:
        cards.nth(len(PHOTOS) - 1).wait_for(timeout=90_000)
    except Exception:
        pytest.fail(f"the uploaded photos are not shown under the upload box; it shows:\n{ui.output_text(box)}")
    ui.shot(page, artifacts, "11_lesson05_uploaded", box)
    # Each card: the photo, the predicted label, the file name, one bar and percentage per class.
    found = box.evaluate("""(el) => [...el.querySelectorAll(".jp-OutputArea-output img[src^='data:image']")].map(img => {
        const card = img.parentElement;
        const bars = [...card.querySelectorAll("span[style*='width']")]
            .map(s => s.style.width).filter(w => w.endsWith('%')).map(parseFloat);
        return {text: card.innerText, bars: bars, shown: img.naturalWidth > 0 && img.getBoundingClientRect().width > 50};
    })""")
    assert len(found) == len(PHOTOS), f"{len(found)} photos shown for {len(PHOTOS)} uploaded"
    for name, card in zip(PHOTOS, found):
        assert card["shown"], f"the photo {name} is not visible in its card"
        assert name in card["text"], f"the card does not name {name}: {card['text']!r}"
        label = card["text"].strip().splitlines()[0].split()[0]
        assert label in ("cat", "dog"), f"no predicted label at the top of the card for {name}: {card['text']!r}"
        shares = {c: float(p) for c, p in re.findall(r"(cat|dog)\s+(\d+(?:\.\d+)?)%", card["text"])}
        assert set(shares) == {"cat", "dog"}, f"the card for {name} does not show a percentage per class: {card['text']!r}"
        assert abs(sum(shares.values()) - 100) < 0.5, f"the percentages for {name} do not add up: {shares}"
        assert max(shares, key=shares.get) == label, f"the label {label} is not the most likely class: {shares}"
        assert len(card["bars"]) == 2 and abs(sum(card["bars"]) - 100) < 0.5, \
            f"the card for {name} has no probability bars: {card['bars']}"
