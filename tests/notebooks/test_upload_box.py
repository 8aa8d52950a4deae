"""The upload box's work, headless: what ipywidgets 7 and 8 and Colab hand over, bad files refused."""
import io
import json
import sys
from pathlib import Path

import pytest
from PIL import Image

from catdog_lib.notebook.widgets import (MAX_UPLOAD_BYTES, classify_uploads, read_uploads, safe_name, upload_box,
                                         uploads_html)
from helpers import tiny_model


def jpeg_bytes(size=(40, 30), colour=(200, 120, 40), fmt="JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def model():
    return tiny_model()


def test_ipywidgets8_value_tuple_of_dicts_with_memoryview(model, tmp_path):
    data = jpeg_bytes()
    value = ({"name": "kitty.jpg", "type": "image/jpeg", "size": len(data), "content": memoryview(data),
              "last_modified": 0},)
    [result] = classify_uploads(value, model, ["cat", "dog"], size=32, folder=tmp_path)
    assert result.error is None
    assert set(result.probabilities) == {"cat", "dog"}
    assert sum(result.probabilities.values()) == pytest.approx(1.0)
    assert result.label in ("cat", "dog")
    assert result.path.parent == tmp_path and result.path.read_bytes() == data


def test_ipywidgets7_and_colab_dicts(model, tmp_path):
    data = jpeg_bytes(fmt="PNG")
    v7 = {"a.png": {"metadata": {"name": "a.png", "type": "image/png"}, "content": data}}
    colab = {"b.png": data}
    assert read_uploads(v7) == [("a.png", data)]
    assert read_uploads(colab) == [("b.png", data)]
    results = classify_uploads(v7, model, ["cat", "dog"], size=32, folder=tmp_path)
    results += classify_uploads(colab, model, ["cat", "dog"], size=32, folder=tmp_path)
    assert [r.path.name for r in results] == ["a.png", "b.png"]


def test_real_photo_and_cards(model, tmp_path, photos_dir):
    from helpers import photo_path

    data = photo_path(photos_dir, "cat", 1).read_bytes()
    results = classify_uploads([("cat.1.jpg", data), ("notes.txt", b"hello")], model, ["cat", "dog"],
                               size=32, folder=tmp_path)
    page = uploads_html(results)
    assert "data:image/jpeg;base64," in page and "notes.txt" in page and "%" in page


@pytest.mark.parametrize("name,data,words", [
    ("notes.txt", b"just some text", "not an image"),
    ("empty.jpg", b"", "empty"),
    ("broken.jpg", jpeg_bytes()[:200], "not an image"),
])
def test_bad_files_get_one_sentence(model, tmp_path, name, data, words):
    [result] = classify_uploads({name: data}, model, ["cat", "dog"], size=32, folder=tmp_path)
    assert result.path is None and words in result.error
    assert "\n" not in result.error
    assert list(tmp_path.iterdir()) == []  # nothing written for a refused file


def test_too_large_and_decompression_bomb(model, tmp_path):
    big = jpeg_bytes()
    [result] = classify_uploads({"big.jpg": big}, model, ["cat", "dog"], size=32, folder=tmp_path,
                                max_bytes=len(big) - 1)
    assert "MB limit" in result.error
    # A blank 8,000 x 8,000 PNG: a few kB that unpack to 64 megapixels.
    buffer = io.BytesIO()
    Image.new("1", (8_000, 8_000)).save(buffer, format="PNG")
    bomb = buffer.getvalue()
    assert len(bomb) < MAX_UPLOAD_BYTES
    [result] = classify_uploads({"bomb.png": bomb}, model, ["cat", "dog"], size=32, folder=tmp_path,
                                max_pixels=20_000_000)
    assert "gigantic" in result.error
    assert list(tmp_path.iterdir()) == []


def test_names_are_cleaned_and_stay_in_the_folder(model, tmp_path):
    data = jpeg_bytes()
    folder = tmp_path / "uploads"
    names = ["../../escape.jpg", "..\\..\\win.jpg", ".hidden", "Mon chat préféré!.JPG", "a.png", "a.png"]
    results = classify_uploads([(n, data) for n in names], model, ["cat", "dog"], size=32, folder=folder)
    assert all(r.error is None for r in results)
    saved = sorted(p.name for p in folder.iterdir())
    assert saved == sorted(["escape.jpg", "win.jpg", "hidden.jpg", "Mon_chat_prefere.jpg", "a.jpg", "a_1.jpg"])
    assert [p for p in tmp_path.iterdir()] == [folder]
    assert safe_name("/etc/passwd") == "passwd" and safe_name("...") == "upload"


def test_a_planted_link_is_not_followed(model, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"keep")
    (folder / "cat.jpg").symlink_to(outside)
    [result] = classify_uploads({"cat.jpg": jpeg_bytes()}, model, ["cat", "dog"], size=32, folder=folder)
    assert result.path.name == "cat_1.jpg" and outside.read_bytes() == b"keep"


def test_jupyterlab_box_is_a_fileupload_widget(model, tmp_path):
    import ipywidgets

    box = upload_box(model, ["cat", "dog"], size=32, folder=tmp_path)
    button = next(w for w in box.children if isinstance(w, ipywidgets.FileUpload))
    assert button.accept == "image/*" and button.multiple
    assert "20 MB" in box.children[0].value


FAKE_COLAB = Path(__file__).resolve().parents[1] / "e2e" / "fake_colab"


@pytest.fixture
def fake_colab(monkeypatch):
    """The stand-in google.colab of tests/e2e on sys.path, as in Colab (``google`` stays a namespace package)."""
    monkeypatch.syspath_prepend(str(FAKE_COLAB))
    for mod in [m for m in sys.modules if m == "google.colab" or m.startswith("google.colab.")]:
        monkeypatch.delitem(sys.modules, mod)
    yield
    for mod in [m for m in sys.modules if m == "google.colab" or m.startswith("google.colab.")]:
        del sys.modules[mod]


def colab_box_settings(box):
    import json
    import re

    return json.loads(re.search(r"const s = (\{.*?\});", box.data).group(1))


def send(box, name, data, calls):
    """What the box's script does for one chosen file: its chunks, one invokeFunction call each; the last reply's HTML."""
    import base64

    from google.colab import output

    s = colab_box_settings(box)
    count = 0 if len(data) > s["max"] else max(1, -(-len(data) // s["chunk"]))
    reply = None
    for i in range(max(count, 1)):
        part = base64.b64encode(data[i * s["chunk"]:(i + 1) * s["chunk"]]).decode()
        reply = output._invoke_function(s["callback"], json.dumps([s["box"], name, i, count, part, len(data)]), "{}")
        calls.append(i)
    return reply.data["html"]


def test_colab_box_waits_for_nobody_and_classifies_each_photo_when_it_comes(model, tmp_path, monkeypatch, photos_dir,
                                                                           fake_colab):
    from helpers import photo_path

    from catdog_lib.notebook import colab_upload

    monkeypatch.setattr(colab_upload, "CHUNK_BYTES", 1000)  # a photo in several chunks
    monkeypatch.setenv("CATDOG_FAKE_UPLOADS_LOG", str(tmp_path / "picker.log"))
    box = upload_box(model, ["cat", "dog"], size=32, folder=tmp_path / "uploads", max_bytes=200_000)
    assert not (tmp_path / "picker.log").exists(), "upload_box opened files.upload(), which waits for a person"
    assert '<input type="file" accept="image/*" multiple>' in box.data and "20 MB" not in box.data
    assert "google.colab.kernel.invokeFunction" in box.data and "Choose one or more photos" in box.data
    calls = []
    dog = photo_path(photos_dir, "dog", 3).read_bytes()
    card = send(box, "my dog.jpg", dog, calls)
    assert len(calls) == -(-len(dog) // 1000) > 1
    assert "data:image/jpeg;base64" in card and "my dog.jpg" in card
    assert (tmp_path / "uploads" / "my_dog.jpg").read_bytes() == dog
    assert "not an image" in send(box, "evil.exe", b"MZ\x90\x00", calls)
    big = send(box, "huge.jpg", b"x" * 300_000, calls)
    assert "huge.jpg" in big and "MB limit: upload a smaller copy" in big and "data:image" not in big
    colab_upload._boxes.clear()  # a kernel restarted: the page's box is an old one
    assert "run its cell again" in send(box, "my dog.jpg", dog, calls)
