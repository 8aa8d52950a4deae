"""The upload box as an attacker would use it: odd names, non-images, big files, bombs, a planted link.

Uploads are untrusted. ``classify_uploads`` (the upload box without its
widget) must accept images only, up to the stated size, refuse anything
that would unpack into a gigantic picture before decoding it, write nothing
outside its folder, and give every saved file a clean name of its own.
tests/notebooks/test_widgets.py covers the widget and the usual cases; here
are the hostile ones.
"""
import io
import os

import pytest
from PIL import Image

from catdog_lib.notebook.widgets import MAX_PIXELS, MAX_UPLOAD_BYTES, classify_uploads, upload_box, upload_folder
from helpers import tiny_model

from .badfiles import png_header_only

CLASSES = ["cat", "dog"]



@pytest.fixture(scope="module")
def model():
    return tiny_model()


@pytest.fixture(scope="module")
def photo(photos_dir):
    from helpers import photo_path

    return photo_path(photos_dir, "cat", 40).read_bytes()


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


HOSTILE_NAMES = [
    "../../etc/passwd.jpg", "/etc/passwd.jpg", "..\\..\\Windows\\win.ini.jpg", "C:\\Users\\me\\cat.jpg",
    "cat\x00.jpg", "cat.jpg\x00.exe", "line\nbreak.jpg", "tab\tand;semi|colon*?.jpg", "x" * 5000 + ".jpg",
    "", ".", "..", "...", ".bashrc", "~", "$HOME.jpg", "`rm -rf ~`.jpg", "\u202egpj.exe", "Ünïcödé 猫.JPG",
    "CON.jpg", "nul", "COM1.png", "cat.jpg", "cat.jpg", "CAT.JPG", "photo.jpg.exe",
]


def test_hostile_names_are_cleaned_and_stay_in_the_upload_folder(model, photo, tmp_path):
    base = tmp_path / "kit"
    folder = base / "uploads"
    results = classify_uploads([(name, photo) for name in HOSTILE_NAMES], model, CLASSES, size=32, folder=folder)
    assert all(r.error is None for r in results), [r.error for r in results if r.error]
    saved = [r.path for r in results]
    assert len(set(saved)) == len(HOSTILE_NAMES)  # duplicates get a name of their own, nothing overwritten
    assert files_under(base) == ["uploads"] + sorted(f"uploads/{p.name}" for p in saved)
    for path in saved:
        name = path.name
        assert path.parent == folder.resolve() and path.read_bytes() == photo
        assert name.isascii() and name.endswith(".jpg") and not name.startswith(("-", "."))
        assert all(c.isalnum() or c in "._-" for c in name), name
        assert len(name) <= 80, name
        assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}, name  # Windows devices
    assert not os.path.exists("/etc/passwd.jpg")


def test_duplicate_names_never_overwrite_an_earlier_upload(model, photos_dir, tmp_path):
    from helpers import photo_path

    first, second = (photo_path(photos_dir, label, 41).read_bytes() for label in ("cat", "dog"))
    folder = tmp_path / "uploads"
    a, b, c = classify_uploads([("pet.jpg", first), ("pet.jpg", second), ("pet.jpg", first)], model, CLASSES,
                               size=32, folder=folder)
    assert [r.path.name for r in (a, b, c)] == ["pet.jpg", "pet_1.jpg", "pet_2.jpg"]
    assert a.path.read_bytes() == first and b.path.read_bytes() == second


def test_a_link_planted_in_the_folder_is_never_written_through(model, photo, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / "cat.jpg").symlink_to(victim)
    (folder / "cat_1.jpg").symlink_to(tmp_path / "nowhere.jpg")  # a dangling link is not followed either
    [result] = classify_uploads([("cat.jpg", photo)], model, CLASSES, size=32, folder=folder)
    assert result.path.name == "cat_2.jpg" and victim.read_text() == "precious"
    assert not (tmp_path / "nowhere.jpg").exists()


NOT_IMAGES = {
    "page.jpg": b"<!DOCTYPE html><html><body>Sign in to continue</body></html>",
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>',
    "paper.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "archive.jpg": b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 40,
    "script.png": b"#!/bin/sh\necho pwned\n",
    "program.exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
    "kaggle.json": b'{"username": "me", "key": "secret"}',
}


def test_only_images_are_accepted(model, photo, tmp_path):
    folder = tmp_path / "uploads"
    other_format = encode(Image.open(io.BytesIO(photo)), "PPM")  # an image, but no photo format of a phone
    files = list(NOT_IMAGES.items()) + [("picture.ppm", other_format), ("real.jpg", photo)]
    results = classify_uploads(files, model, CLASSES, size=32, folder=folder)
    for r in results[:-2]:
        assert r.path is None and "not an image we can read" in r.error and "\n" not in r.error, (r.name, r.error)
    assert results[-2].path is None and "PPM" in results[-2].error
    assert results[-1].error is None
    assert files_under(folder) == ["real.jpg"]


def test_the_stated_size_limit_holds(model, photo, tmp_path):
    box = upload_box(model, CLASSES, size=32, folder=tmp_path / "box")
    assert f"up to {MAX_UPLOAD_BYTES // 2**20} MB each" in box.children[0].value  # the limit the learner reads
    padded = photo + b"\x00" * (MAX_UPLOAD_BYTES - len(photo))  # a JPEG with junk after its end: still a photo
    folder = tmp_path / "uploads"
    at_limit, over = classify_uploads([("at.jpg", padded), ("over.jpg", padded + b"\x00")], model, CLASSES,
                                      size=32, folder=folder)
    assert at_limit.error is None
    assert over.path is None and f"over the {MAX_UPLOAD_BYTES // 2**20} MB limit" in over.error
    assert files_under(folder) == ["at.jpg"]


@pytest.mark.parametrize("width,height,why", [
    (20_000, 20_000, "over twice Pillow's limit: Pillow itself refuses"),
    (10_000, 10_000, "between Pillow's limit and twice it: Pillow only warns"),
    (7_100, 7_100, "under Pillow's limit, over the upload box's"),
    (1, 3_000_000, "few pixels, but resizing its short side to the model's size makes billions"),
])
def test_bombs_are_refused_before_decoding(model, tmp_path, width, height, why):
    """Each header claims a gigantic picture and holds no pixels: a refusal that names the bomb proves
    the box stopped before decoding (decoding would fail with another message, or fill the memory)."""
    folder = tmp_path / "uploads"
    [result] = classify_uploads([("huge.png", png_header_only(width, height))], model, CLASSES, size=32,
                                folder=folder)
    assert result.path is None, why
    assert "gigantic" in result.error or "strip" in result.error, (why, result.error)
    assert not folder.exists() or files_under(folder) == []
    assert MAX_PIXELS < Image.MAX_IMAGE_PIXELS


def test_the_default_folder_is_the_kits_uploads_folder():
    from catdog_lib.paths import kit_root

    assert upload_folder() == kit_root() / "uploads"
