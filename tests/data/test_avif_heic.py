"""AVIF and HEIC photos (what phones save) wherever photos go: prepare, catdog predict, the upload box, predict_image.

The AVIF files are real ones, made here by Pillow from the real photos
(Pillow 11.3 and newer encodes AVIF; the tests that need one skip where this
Pillow cannot write it). HEIC ones need the pillow-heif plugin. Where the
running Pillow cannot read one, one line says what to do: played here by
taking Pillow's AVIF and HEIF openers away for the test.
"""
import subprocess
import sys

import pytest
from PIL import Image, features

from catdog_lib.prepare import prepare
from catdog_lib.prepare.photos import heif_kind, open_photo
from helpers import photo_path, tiny_model

LABELS = ("cat", "dog")


def _can_write(fmt, ending, tmp_path):
    try:
        Image.new("RGB", (8, 8)).save(tmp_path / f"probe{ending}")
    except (KeyError, OSError, ValueError):
        return False
    return Image.open(tmp_path / f"probe{ending}").format == fmt


@pytest.fixture
def avif_photos(photos_dir, tmp_path):
    """Three real cats and three real dogs as AVIF files (``cat.0.avif``...), plus one of each as JPEG."""
    Image.init()
    if not features.check("avif") or not _can_write("AVIF", ".avif", tmp_path):
        pytest.skip(f"this Pillow {Image.__version__} cannot write AVIF")
    folder = tmp_path / "photos"
    folder.mkdir()
    for label in LABELS:
        for i in range(4):
            with Image.open(photo_path(photos_dir, label, i)) as photo:
                photo.save(folder / f"{label}.{i}.{'avif' if i < 3 else 'jpg'}", quality=60)
    return folder


@pytest.fixture
def without_avif_and_heif(monkeypatch):
    """This Pillow as an older one is: no AVIF opener, no HEIF plugin."""
    Image.init()
    for fmt in ("AVIF", "HEIF"):
        if fmt in Image.OPEN:
            monkeypatch.delitem(Image.OPEN, fmt)
    monkeypatch.setattr(Image, "ID", [i for i in Image.ID if i not in ("AVIF", "HEIF")])
    for ending in (".avif", ".heic", ".heif", ".hif"):
        if ending in Image.EXTENSION:
            monkeypatch.delitem(Image.EXTENSION, ending)


def test_prepare_arranges_avif_photos(avif_photos, tmp_path):
    lines = []
    prepared = prepare(source="folder", from_dir=avif_photos, dest=tmp_path / "out", report=lines.append)
    assert not prepared.skipped
    arranged = sorted(p.name for part in ("train", "val") for label in LABELS
                      for p in (prepared.data_dir / part / label).iterdir())
    assert len(arranged) == 8 and sum(name.endswith(".png") for name in arranged) == 6  # converted, as ImageFolder lists
    from torchvision.datasets import ImageFolder

    assert len(ImageFolder(prepared.data_dir / "train")) + len(ImageFolder(prepared.data_dir / "val")) == 8


def test_predict_image_catdog_predict_and_the_upload_box_take_avif(avif_photos, tmp_path):
    import torch

    from catdog_lib import predict_image
    from catdog_lib.model import build_model
    from catdog_lib.notebook.widgets import classify_uploads
    from catdog_lib.train.bundle import save_bundle

    cat = avif_photos / "cat.0.avif"
    assert heif_kind(cat) == "AVIF"
    model = tiny_model()
    result = predict_image(model, cat, ["cat", "dog"], size=32)  # the piece's own path: Image.open
    assert set(result) == {"cat", "dog"} and sum(result.values()) == pytest.approx(1, abs=1e-5)
    assert predict_image(model, open_photo(cat), ["cat", "dog"], size=32) == pytest.approx(result)

    [upload] = classify_uploads({"my cat.avif": cat.read_bytes()}, model, ["cat", "dog"], size=32,
                                folder=tmp_path / "uploads")
    assert upload.error is None and upload.path.name == "my_cat.avif" and upload.probabilities

    torch.manual_seed(0)
    bundle = save_bundle(tmp_path / "model.pt", build_model(2, weights=None), ["cat", "dog"], 32)
    done = subprocess.run([sys.executable, "-m", "catdog_lib", "predict", "--model", str(bundle), str(cat)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith(f"{cat}: "), done.stderr


def test_where_pillow_cannot_read_avif_one_line_says_what_to_do(avif_photos, tmp_path, without_avif_and_heif):
    from catdog_lib.notebook.widgets import UploadError, open_upload
    from catdog_lib.prepare.photos import UnreadableFormat

    from catdog_lib.prepare import index_images

    _, skipped = index_images(avif_photos)
    reasons = {p.name: reason for p, reason in skipped}
    assert sorted(reasons) == [f"{label}.{i}.avif" for label in LABELS for i in range(3)]
    assert all(r == 'AVIF photo: this Pillow cannot read AVIF: pip install -U "pillow>=11.3" and restart, or '
               "convert it to JPEG" for r in reasons.values()), reasons

    misnamed = tmp_path / "cat.jpg"  # an AVIF under a JPEG's name: told by its first bytes
    misnamed.write_bytes((avif_photos / "cat.0.avif").read_bytes())
    with pytest.raises(UnreadableFormat, match=r'^the photo is in AVIF: this Pillow cannot read AVIF: pip install -U'):
        open_photo(misnamed)
    with pytest.raises(UploadError, match=r"^'cat.jpg' is in AVIF: this Pillow cannot read AVIF") as info:
        open_upload("cat.jpg", misnamed.read_bytes())
    assert "\n" not in str(info.value)


def test_the_reason_is_read_again_once_pillow_can(avif_photos, tmp_path, monkeypatch):
    """An AVIF skipped by an old Pillow is not remembered as skipped in the index's cache."""
    from catdog_lib.prepare import index_images

    cache = tmp_path / "index.json"
    with monkeypatch.context() as m:
        for fmt in ("AVIF",):
            m.delitem(Image.OPEN, fmt)
        m.setattr(Image, "ID", [i for i in Image.ID if i != "AVIF"])
        m.delitem(Image.EXTENSION, ".avif")
        images, skipped = index_images(avif_photos, cache=cache)
        assert len(skipped) == 6
    images, skipped = index_images(avif_photos, cache=cache)
    assert len(images) == 8 and not skipped


def test_heic_with_pillow_heif(photos_dir, tmp_path):
    pytest.importorskip("pillow_heif")
    from catdog_lib.prepare.photos import HEIC_READABLE

    assert HEIC_READABLE
    folder = tmp_path / "photos"
    folder.mkdir()
    for label in LABELS:
        for i in range(4):
            with Image.open(photo_path(photos_dir, label, i)) as photo:
                photo.save(folder / f"{label}.{i}.heic", quality=60)
    assert heif_kind(folder / "cat.0.heic") == "HEIC"
    prepared = prepare(source="folder", from_dir=folder, dest=tmp_path / "out", report=lambda line: None)
    assert not prepared.skipped and sum(prepared.counts["train"].values()) + sum(prepared.counts["val"].values()) == 8
    result = open_photo(folder / "dog.1.heic")
    assert result.size == Image.open(photo_path(photos_dir, "dog", 1)).size


def test_heic_without_pillow_heif_says_to_install_it(tmp_path, without_avif_and_heif):
    from catdog_lib.prepare import index_images

    heic = tmp_path / "photos" / "dog.1.heic"
    heic.parent.mkdir()
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    _, skipped = index_images(heic.parent)
    assert skipped == [(heic, "HEIC photo: Pillow reads HEIC only with pillow-heif: pip install pillow-heif and "
                              "restart, or convert it to JPEG")]


def test_the_reasons_read_in_chinese(tmp_path):
    from catdog_lib.prepare.reasons import reason_words

    reason = "HEIC photo: Pillow reads HEIC only with pillow-heif: pip install pillow-heif and restart, or convert it to JPEG"
    words = reason_words(reason, lang="zh")
    assert "pip install pillow-heif" in words and "HEIC" in words and words != reason
