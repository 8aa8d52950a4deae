"""The Colab upload box's own script, in Chromium: files chosen in its input reach the kernel in chunks, cards come back.

Colab's front end is not here, so the page gets the one thing the script
calls, ``google.colab.kernel.invokeFunction``, forwarding each call to this
Python, where the stand-in ``google.colab.output`` runs the registered
callback as colabtools' ``_invoke_function`` does. Playwright chooses the
files in the box's ``<input type=file>``, as a learner's file chooser would.
"""
import json
import sys

import pytest

from .conftest import KIT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

FAKE_COLAB = KIT / "tests" / "e2e" / "fake_colab"
FRONT_END = """window.google = {colab: {kernel: {invokeFunction: async (name, args, kwargs) =>
  ({data: {"application/json": JSON.parse(await window.pyInvoke(name, JSON.stringify(args)))}})}}};"""


@pytest.fixture
def colab_modules(monkeypatch):
    monkeypatch.syspath_prepend(str(FAKE_COLAB))
    for mod in [m for m in sys.modules if m == "google.colab" or m.startswith("google.colab.")]:
        monkeypatch.delitem(sys.modules, mod)
    yield
    for mod in [m for m in sys.modules if m == "google.colab" or m.startswith("google.colab.")]:
        del sys.modules[mod]


def test_photos_chosen_in_the_box_are_sent_in_chunks_and_shown_as_cards(browser, artifacts, tmp_path, monkeypatch,
                                                                         colab_modules, photos_root):
    from helpers import tiny_model

    from catdog_lib.notebook import colab_upload
    from catdog_lib.notebook.widgets import classify_uploads, uploads_html

    monkeypatch.setattr(colab_upload, "CHUNK_BYTES", 4000)  # several chunks per photo
    model = tiny_model()
    received = []

    def classify(files):
        received.extend(files)
        return uploads_html(classify_uploads(files, model, ["cat", "dog"], size=32, folder=tmp_path / "uploads"))

    box = colab_upload.colab_upload_box(classify, lambda name, size: f"<div>{name} too big</div>",
                                        "Choose one or more photos (images only, up to 20 MB each).", 50_000)
    photos = [sorted((photos_root / "train").glob(f"{label}.*.jpg"))[0] for label in ("cat", "dog")]
    big = tmp_path / "huge.jpg"
    big.write_bytes(b"\xff" * 60_000)
    calls = []

    def invoke(name, args):
        from google.colab import output

        calls.append(json.loads(args)[2:4])
        return json.dumps(output._invoke_function(name, args, "{}").data)

    context = browser.new_context(viewport={"width": 900, "height": 600})
    page = context.new_page()
    try:
        page.expose_function("pyInvoke", invoke)
        page.set_content(f"<html><body><script>{FRONT_END}</script>{box.data}</body></html>")
        page.set_input_files("input[type=file]", [str(p) for p in photos] + [str(big)])
        page.wait_for_function("document.querySelectorAll('.catdog-cards > div').length === 3", timeout=60_000)
        page.screenshot(path=str(artifacts / "12_colab_upload_box_cards.png"), full_page=True)
        cards = page.inner_html(".catdog-cards")
        status = page.inner_text(".catdog-status")
    finally:
        context.close()
    assert [(name, data) for name, data in received] == [(p.name, p.read_bytes()) for p in photos], \
        "the photos did not arrive whole and in order"
    assert len(calls) == sum(-(-p.stat().st_size // 4000) for p in photos) + 1  # every chunk, and one for the big one
    assert cards.count("data:image/jpeg;base64") == 2 and "huge.jpg too big" in cards
    assert status == "", "the box still says it is sending"
