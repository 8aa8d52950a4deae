"""Every kind of bad input through every stage: used, skipped and reported, or refused in one sentence.

The corpus (conftest.py) holds each kind once, beside 12 good cats and 12
good dogs. ``EXPECT`` is the table of kinds x stages the tests prove:

- ``used``: the stage takes the file and does the right thing with it;
- ``converted``: ``prepare`` uses it as a PNG or JPEG copy that ImageFolder
  lists (``prepare/convert.py``), arranged under the name given;
- ``skipped``: left out, and the reason (the word given) is reported;
- ``ignored``: a system file, left out and only counted;
- ``refused``: one clear sentence (the word given), nothing else happens;
- ``-``: the file never reaches that stage (it was skipped before).

Stages: ``catdog prepare`` (CLI, one subprocess over the whole folder),
``index_images``, the loaders (one full epoch over what prepare arranged),
one training epoch, ``predict_image`` called directly, ``catdog predict``
(CLI, one subprocess for every file) and the upload box (``classify_uploads``).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from catdog_lib.prepare import SYSTEM_FILE, index_images
from helpers import tiny_model

from .badfiles import GOOD_PER_LABEL, KINDS

STAGES = ("prepare", "index", "loaders", "train", "predict_image", "predict_cli", "upload")
U = "used"
C = "converted"
NOT_IMAGE = "not an image"

# kind: (prepare & index, predict_image, predict_cli, upload). Loaders and training use exactly what prepare used.
EXPECT = {
    "truncated_jpeg": (("skipped", "truncated"), ("refused", "truncated"), ("refused", "truncated"),
                       ("refused", NOT_IMAGE)),
    "zero_bytes": (("skipped", "empty file"), ("refused", "cannot identify"), ("refused", NOT_IMAGE),
                   ("refused", "is empty")),
    "text_named_jpg": (("skipped", NOT_IMAGE), ("refused", "cannot identify"), ("refused", NOT_IMAGE),
                       ("refused", NOT_IMAGE)),
    "png_alpha": (U, U, U, U),
    "grayscale": (U, U, U, U),
    "palette": (U, U, U, U),
    "cmyk_jpeg": (U, U, U, U),
    # ImageFolder's loader turns a 16-bit image white (convert("RGB") clips it): skipped for training;
    # predicting from one scales it to 8 bits first (the CLI and the upload box).
    "png_16bit": (("skipped", "16-bit"), U, U, U),
    # Formats ImageFolder does not list: converted (a GIF's first frame to PNG, a .jfif copied as .jpg), so
    # nothing usable is lost; predictions use the first frame too.
    "animated_gif": ((C, "cat.1009.png"), U, U, U),
    "jfif": ((C, "dog.1020.jpg"), U, U, U),
    "tga": ((C, "cat.1021.png"), U, U, ("refused", "TGA file")),  # the upload box takes the formats browsers show
    "truncated_gif": (("skipped", "could not be converted"), ("refused", "truncated"), ("refused", "truncated"),
                      ("refused", NOT_IMAGE)),
    "bomb": (("skipped", "too many pixels"), ("refused", "decompression bomb"), ("refused", "decompression bomb"),
             ("refused", "gigantic")),
    # The raw piece resizes it to 37 x 148,000 pixels at 32 px (at 224 px a 1 x 40,000 strip takes gigabytes):
    # skipped for training, refused by the CLI and the upload box.
    "strip": (("skipped", "strip"), U, ("refused", "strip"), ("refused", "strip")),
    "exif_rotated": (U, U, U, U),
    "heic": (("skipped", "HEIC"), ("refused", "cannot identify"), ("refused", NOT_IMAGE), ("refused", NOT_IMAGE)),
    "ds_store": ("ignored", ("refused", "cannot identify"), ("refused", NOT_IMAGE), ("refused", NOT_IMAGE)),
    "thumbs_db": ("ignored", ("refused", "cannot identify"), ("refused", NOT_IMAGE), ("refused", NOT_IMAGE)),
    "macosx": ("ignored", ("refused", "cannot identify"), ("refused", NOT_IMAGE), ("refused", NOT_IMAGE)),
    "macosx_photo": ("ignored", U, U, U),  # a real JPEG, but in __MACOSX/: no photo of the learner's
    "nested": (U, U, U, U),
    "spaces": (U, U, U, U),
    "non_ascii": (U, U, U, U),
    "upper_case_ext": (U, U, U, U),
    "unknown_label": (("skipped", "no label"), U, U, U),  # no label to train with; a photo to classify
}
assert set(EXPECT) == set(KINDS)
PREPARE = {kind: row[0] if isinstance(row[0], tuple) else (row[0], "") for kind, row in EXPECT.items()}
CONVERTED = [kind for kind, (outcome, _) in PREPARE.items() if outcome == C]
USED_FOR_TRAINING = [kind for kind, (outcome, _) in PREPARE.items() if outcome == U] + CONVERTED
SKIPPED = [kind for kind, (outcome, _) in PREPARE.items() if outcome == "skipped"]
IGNORED = [kind for kind, (outcome, _) in PREPARE.items() if outcome == "ignored"]
# The index reads headers only: what prepare converts, or fails to convert, is a usable photo there.
NOT_CONVERTED = [kind for kind, (_, word) in PREPARE.items() if "could not be converted" in word]
INDEX = {kind: U for kind in CONVERTED + NOT_CONVERTED}


def arranged_name(kind, paths):
    """The name the kind's file has in the arranged tree: its own, or its converted copy's."""
    return EXPECT[kind][0][1] if kind in CONVERTED else paths[kind].name


def table():
    """The table of kinds x stages, as the report gives it."""
    def word(cell):
        return cell if isinstance(cell, str) else f"{cell[0]} ({cell[1]})"

    rows = []
    for kind, (prep, direct, cli, upload) in EXPECT.items():
        train = U if kind in USED_FOR_TRAINING else "-"
        rows.append([kind, word(prep), word(INDEX.get(kind, prep)), train, train, word(direct), word(cli),
                     word(upload)])
    return rows


def no_traceback(text):
    assert "Traceback" not in text and 'File "' not in text, text[-3000:]



def catdog(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore::ResourceWarning", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "catdog_lib", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env, cwd=cwd)


# --- catdog prepare, index_images, the loaders, training -----------------------------------------

@pytest.fixture(scope="module")
def prepared(corpus, tmp_path_factory):
    """``catdog prepare --source folder`` over the whole corpus, in a subprocess."""
    folder, _ = corpus
    dest = tmp_path_factory.mktemp("prepared") / "data"
    result = catdog("prepare", "--source", "folder", "--from", folder, "--dest", dest)
    return dest, result


def arranged_names(dest):
    return {split: sorted(p.name for p in (dest / split).rglob("*") if not p.is_dir()) for split in ("train", "val")}


def test_prepare_uses_skips_and_counts_each_kind(prepared, corpus):
    dest, result = prepared
    folder, paths = corpus
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    no_traceback(out)

    usable = 2 * GOOD_PER_LABEL + len(USED_FOR_TRAINING)  # what prepare arranges
    total = usable + len(SKIPPED) + len(IGNORED)
    at_index = usable + len(NOT_CONVERTED)
    assert f"Indexed {total} file(s) in {folder}: {at_index} usable photo(s), {total - at_index} skipped." in out
    assert f"Ignored {len(IGNORED)} system file(s)" in out
    assert f"Skipped {len(SKIPPED)} file(s):" in out
    for kind in SKIPPED:
        line = next((line for line in out.splitlines() if line.strip().startswith(f"{paths[kind]}: ")), None)
        assert line is not None, f"{kind} is not listed among the skipped files:\n{out}"
        assert EXPECT[kind][0][1].lower() in line.lower(), line

    assert f"Converted {len(CONVERTED)} photo(s) that torchvision's ImageFolder would not list" in out
    for kind in CONVERTED:
        assert f"  {paths[kind]} -> {arranged_name(kind, paths)}" in out.splitlines(), kind

    arranged = arranged_names(dest)
    everything = arranged["train"] + arranged["val"]
    assert len(everything) == usable
    for kind in USED_FOR_TRAINING:
        assert arranged_name(kind, paths) in everything, kind
    for kind in SKIPPED + IGNORED:
        assert paths[kind].name not in everything, kind
    converted = {p.name: p for p in (dest / "converted").rglob("*") if p.is_file()}
    assert sorted(converted) == sorted(arranged_name(kind, paths) for kind in CONVERTED)
    assert converted["dog.1020.jpg"].read_bytes() == paths["jfif"].read_bytes()  # a JPEG: the same bytes
    counts = [line for line in out.splitlines() if "photos (" in line]
    assert len(counts) == 2 and sum(int(line.split(":")[1].split()[0]) for line in counts) == usable


def test_index_gives_each_kind_its_outcome(corpus):
    folder, paths = corpus
    images, skipped = index_images(folder)
    used = {r.path for r in images}
    reasons = dict(skipped)
    for kind, path in paths.items():
        expected = INDEX.get(kind, EXPECT[kind][0])
        if expected == U:
            assert path in used, (kind, reasons.get(path))
        elif expected == "ignored":
            assert reasons.get(path) == SYSTEM_FILE, kind
        else:
            assert path in reasons, kind
            assert expected[1].lower() in reasons[path].lower(), (kind, reasons[path])
            assert "\n" not in reasons[path]
    assert len(images) + len(skipped) == len(paths) + 2 * GOOD_PER_LABEL


@pytest.fixture(scope="module")
def loaders(prepared):
    from catdog_lib import make_loaders

    dest, result = prepared
    assert result.returncode == 0, result.stderr
    return make_loaders(dest, batch_size=8, num_workers=0, size=32)


def test_the_loaders_read_every_arranged_file_for_a_whole_epoch(loaders, corpus):
    (loaders, class_names), (_, paths) = loaders, corpus
    assert class_names == ["cat", "dog"]
    for split in ("train", "val"):
        seen = 0
        for images, labels in loaders[split]:
            assert images.shape[1:] == (3, 32, 32) and images.dtype == torch.float32
            assert torch.isfinite(images).all()
            seen += len(labels)
        assert seen == len(loaders[split].dataset)
    samples = {Path(p).name: label for split in ("train", "val") for p, label in loaders[split].dataset.samples}
    for kind in USED_FOR_TRAINING:
        name = arranged_name(kind, paths)
        assert name in samples, kind
        assert class_names[samples[name]] == name.split(".")[0].lower(), kind  # the label from the name


def test_each_used_kind_becomes_a_real_picture(loaders, corpus):
    """Not only no crash: the tensor of each odd file looks like its photo, not a blank (a white 16-bit PNG)."""
    from catdog_lib import build_transforms

    (loaders, _), (_, paths) = loaders, corpus
    dataset = loaders["val"].dataset
    to_tensor = build_transforms(train=False, size=32)
    arranged = {Path(p).name: p for split in ("train", "val") for p, _ in loaders[split].dataset.samples}
    for kind in USED_FOR_TRAINING:
        image = dataset.loader(arranged[arranged_name(kind, paths)])
        tensor = to_tensor(image)
        assert tensor.std() > 0.2, f"{kind} loads as a nearly flat picture: {tensor.std():.3f}"
    # A converted GIF is its first frame, as predict_image sees the GIF itself.
    from PIL import Image

    with Image.open(paths["animated_gif"]) as gif:
        first = gif.convert("RGB")
    assert np.array_equal(np.asarray(dataset.loader(arranged["cat.1009.png"])), np.asarray(first))


def test_one_training_epoch_over_the_arranged_corpus(loaders):
    from catdog_lib.train.compat import fit
    from catdog_lib.train.loop import seed_everything

    loaders, _ = loaders
    seed_everything(0)
    _, history = fit(tiny_model(), loaders, epochs=1, lr=0.05, device="cpu", progress=False)
    assert len(history["train_loss"]) == 1 and all(v == v for v in history["train_loss"] + history["val_loss"])


# --- predict_image, catdog predict, the upload box ------------------------------------------------

def _assert_probabilities(result):
    assert set(result) == {"cat", "dog"}
    assert all(isinstance(p, float) and 0 <= p <= 1 for p in result.values())
    assert sum(result.values()) == pytest.approx(1, abs=1e-5)


def _rotated_for_viewing(path):
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


@pytest.mark.parametrize("kind", list(KINDS))
def test_predict_image_uses_or_refuses_each_kind(corpus, kind):
    from catdog_lib import predict_image

    _, paths = corpus
    model = tiny_model()
    outcome = EXPECT[kind][1]
    if outcome == U:
        result = predict_image(model, paths[kind], ["cat", "dog"], size=32)
        _assert_probabilities(result)
        if kind == "exif_rotated":  # the turn is applied: the same answer as for the photo turned by hand
            turned = _rotated_for_viewing(paths[kind])
            assert turned.size == (200, 120)
            assert result == predict_image(model, turned, ["cat", "dog"], size=32)
        return
    from PIL import Image

    # Pillow's errors, which the CLI and the upload box turn into one line each
    with pytest.raises((OSError, ValueError, Image.DecompressionBombError)) as info:
        predict_image(model, paths[kind], ["cat", "dog"], size=32)
    message = str(info.value)
    assert outcome[1] in message and "\n" not in message, message


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """A model bundle of an untrained ResNet18 at 32 px, as catdog train writes one."""
    from catdog_lib.train.bundle import save_bundle
    from catdog_lib.model import build_model

    torch.manual_seed(0)
    return save_bundle(tmp_path_factory.mktemp("bundle") / "model.pt", build_model(2, weights=None),
                       ["cat", "dog"], 32)


def test_catdog_predict_classifies_or_names_each_kind_in_one_line(corpus, bundle):
    from catdog_lib.train.bundle import load_bundle
    from catdog_lib.prediction import predict_image

    _, paths = corpus
    kinds = list(KINDS)
    result = catdog("predict", "--model", bundle, *[paths[k] for k in kinds], "--json")
    no_traceback(result.stderr)
    refused = [k for k in kinds if EXPECT[k][2] != U]
    assert result.returncode == 1
    answers = {a["image"]: a for a in json.loads(result.stdout)}
    errors = result.stderr.strip().splitlines()
    assert errors[-1] == f"catdog predict: {len(refused)} of {len(kinds)} images could not be read"
    assert len(errors) == len(refused) + 1
    model, _ = load_bundle(bundle)
    for kind in kinds:
        answer = answers[str(paths[kind])]
        if EXPECT[kind][2] == U:
            _assert_probabilities(answer["probabilities"])
            assert answer["prediction"] == max(answer["probabilities"], key=answer["probabilities"].get)
        else:
            line = next(e for e in errors if e.startswith(f"catdog predict: cannot read {paths[kind]}: "))
            assert EXPECT[kind][2][1] in line.lower(), (kind, line)
            assert answer["error"] in line
    # The 16-bit PNG is read as its photo, not as white; the EXIF turn is applied.
    from PIL import Image

    with Image.open(paths["png_16bit"]) as sixteen:
        eight = Image.fromarray((__import__("numpy").asarray(sixteen, dtype="uint16") >> 8).astype("uint8"))
    expected = predict_image(model, eight, ["cat", "dog"], size=32)
    got = answers[str(paths["png_16bit"])]["probabilities"]
    assert got == pytest.approx(expected, abs=1e-4)
    expected = predict_image(model, _rotated_for_viewing(paths["exif_rotated"]), ["cat", "dog"], size=32)
    assert answers[str(paths["exif_rotated"])]["probabilities"] == pytest.approx(expected, abs=1e-4)


def test_the_upload_box_classifies_or_refuses_each_kind(corpus_bytes, tmp_path):
    from PIL import Image

    from catdog_lib.prediction import predict_image
    from catdog_lib.notebook.widgets import classify_uploads, uploads_html

    model = tiny_model()
    folder = tmp_path / "uploads"
    files = [(Path(KINDS[kind]).name, corpus_bytes[kind]) for kind in KINDS]
    results = classify_uploads(files, model, ["cat", "dog"], size=32, folder=folder)
    assert [r.name for r in results] == [name for name, _ in files]
    for kind, r in zip(KINDS, results):
        if EXPECT[kind][3] == U:
            assert r.error is None, (kind, r.error)
            _assert_probabilities(r.probabilities)
            assert r.path.parent == folder.resolve() and r.path.read_bytes() == corpus_bytes[kind]
        else:
            assert r.path is None and EXPECT[kind][3][1] in r.error, (kind, r.error)
            assert "\n" not in r.error
    saved = sorted(p.name for p in folder.iterdir())
    assert len(saved) == sum(EXPECT[k][3] == U for k in KINDS)  # nothing written for a refused file
    assert all(not name.startswith(".") and " " not in name for name in saved)

    by_kind = dict(zip(KINDS, results))
    turned = _rotated_for_viewing(by_kind["exif_rotated"].path)
    assert by_kind["exif_rotated"].probabilities == pytest.approx(
        predict_image(model, turned, ["cat", "dog"], size=32), abs=1e-6)
    with Image.open(by_kind["png_16bit"].path) as sixteen:
        import numpy as np

        eight = Image.fromarray((np.asarray(sixteen, dtype=np.uint16) >> 8).astype(np.uint8))
    assert by_kind["png_16bit"].probabilities == pytest.approx(
        predict_image(model, eight, ["cat", "dog"], size=32), abs=1e-6)
    page = uploads_html(results)  # the cards: a thumbnail for each used file, the reason for each refused one
    assert page.count("data:image/jpeg;base64,") == len(saved)


def test_one_fast_epoch_over_the_arranged_corpus(prepared, tmp_path):
    """The fast path decodes every arranged file once into its cache: the odd ones too."""
    from catdog_lib.train.compat import fit_fast
    from catdog_lib.train.cache import list_imagefolder

    dest, _ = prepared
    model, history, class_names = fit_fast(dest, epochs=1, size=32, batch_size=8, lr=0.05, device="cpu",
                                           cache_dir=tmp_path, model=tiny_model(), progress=False)
    assert class_names == ["cat", "dog"] and len(history["val_acc"]) == 1
    assert len(list_imagefolder(dest / "train")[0]) + len(list_imagefolder(dest / "val")[0]) == \
        2 * GOOD_PER_LABEL + len(USED_FOR_TRAINING)
