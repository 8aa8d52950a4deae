"""prepare() on folders: the split manifest is reused, changes are reported, layouts are recognised."""
import json
import os

import pytest

from catdog_lib.errors import CatdogError
from catdog_lib.prepare import MANIFEST, prepare, read_manifest
from helpers import photo_path


def _flat(tmp_path, photos_dir, n=12, name="photos"):
    """A folder of links to ``n`` real cats and ``n`` real dogs, the dogs in a subfolder."""
    folder = tmp_path / name
    (folder / "more dogs").mkdir(parents=True)
    for i in range(n):
        os.symlink(photo_path(photos_dir, "cat", i), folder / f"cat.{i}.jpg")
        os.symlink(photo_path(photos_dir, "dog", i), folder / "more dogs" / f"dog.{i}.jpg")
    return folder


def _tree(data_dir):
    return {part: sorted(p.name for p in (data_dir / part).rglob("*.jpg")) for part in ("train", "val")}


@pytest.fixture(autouse=True)
def _no_catdog_data(monkeypatch, tmp_path):
    monkeypatch.delenv("CATDOG_DATA", raising=False)
    monkeypatch.setenv("CATDOG_DATA_ROOT", str(tmp_path / "data_root"))


def test_split_is_saved_and_reused(tmp_path, photos_dir):
    from PIL import Image

    photos = _flat(tmp_path, photos_dir)
    lines = []
    first = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lines.append)
    assert first.counts == {"train": {"cat": 9, "dog": 9}, "val": {"cat": 3, "dog": 3}}
    assert first.manifest == tmp_path / "out" / MANIFEST
    manifest = read_manifest(first.manifest)
    assert manifest["seed"] == 0 and manifest["val_fraction"] == 0.25 and manifest["source"] == "folder"
    assert ["more dogs/dog.0.jpg", "dog"] in manifest["train"] + manifest["val"]
    tree = _tree(first.data_dir)
    assert not set(tree["train"]) & set(tree["val"])
    with Image.open(first.images[0].path) as image:
        assert len(first.images) == 24 and first.images[0].width == image.width
    assert any(line.startswith("train:") and "9 cat" in line for line in lines)

    # A photo vanishes and new ones appear: the split stays, both are reported.
    (photos / "cat.0.jpg").unlink()
    for i in (50, 51):
        os.symlink(photo_path(photos_dir, "cat", i - 10), photos / f"cat.{i}.jpg")
    lines.clear()
    again = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lines.append)
    text = "\n".join(lines)
    assert "Reusing the split" in text
    assert "1 file(s) of the saved split are gone" in text and "cat.0.jpg" in text
    assert "2 new file(s) are not in the saved split" in text and "cat.50.jpg" in text
    tree_again = _tree(again.data_dir)
    for part in ("train", "val"):
        assert set(tree_again[part]) == set(tree[part]) - {"cat.0.jpg"}
    assert read_manifest(again.manifest) == manifest  # untouched: its hash still names this split


def test_another_seed_makes_another_split_and_says_so(tmp_path, photos_dir):
    photos = _flat(tmp_path, photos_dir)
    first = _tree(prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lambda s: None).data_dir)
    lines = []
    second = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", seed=1, report=lines.append)
    assert any("made another way" in line and "seed" in line for line in lines)
    assert _tree(second.data_dir) != first
    assert read_manifest(second.manifest)["seed"] == 1


def test_a_split_layout_is_kept_as_it_is(tmp_path, photos_dir):
    given = tmp_path / "given"
    for part, labels in (("train", range(0, 6)), ("val", range(6, 8))):
        for label in ("cat", "dog"):
            (given / part / label).mkdir(parents=True)
            for i in labels:
                os.symlink(photo_path(photos_dir, label, i), given / part / label / f"photo {i}.jpg")
    (given / "train" / "cat" / "broken.jpg").write_bytes(b"")
    (given / "train" / "stray.jpg").write_bytes(b"x")
    lines = []
    prepared = prepare(source="folder", from_dir=given, dest=tmp_path / "out", report=lines.append, seed=5)
    assert prepared.counts == {"train": {"cat": 6, "dog": 6}, "val": {"cat": 2, "dog": 2}}
    assert sorted(p.name for p in (prepared.data_dir / "val" / "dog").iterdir()) == ["photo 6.jpg", "photo 7.jpg"]
    reasons = {p.name: r for p, r in prepared.skipped}
    assert "empty" in reasons["broken.jpg"] and "class folder" in reasons["stray.jpg"]
    assert read_manifest(prepared.manifest)["layout"] == "split"
    assert any("already split" in line for line in lines)


def test_cats_and_dogs_folders_give_the_label(tmp_path, photos_dir):
    """A learner's own photos, sorted into cats/ and dogs/ with camera names."""
    mine = tmp_path / "mine"
    for label, folder in (("cat", "Cats"), ("dog", "dog")):
        (mine / folder).mkdir(parents=True)
        for i in range(4):
            os.symlink(photo_path(photos_dir, label, i), mine / folder / f"IMG_{label}{i:04}.JPG")
    (mine / "IMG_9999.jpg").write_bytes(photo_path(photos_dir, "cat", 9).read_bytes())
    prepared = prepare(source="folder", from_dir=mine, dest=tmp_path / "out", val_fraction=0.5, report=lambda s: None)
    assert prepared.counts == {"train": {"cat": 2, "dog": 2}, "val": {"cat": 2, "dog": 2}}
    assert [(p.name, r.split(":")[0]) for p, r in prepared.skipped] == [("IMG_9999.jpg", "no label")]
    assert all(p.name.startswith("IMG_cat") for p in (prepared.data_dir / "train" / "cat").iterdir())


def test_catdog_data_is_used_by_auto(tmp_path, photos_dir, monkeypatch):
    photos = _flat(tmp_path, photos_dir, n=4)
    monkeypatch.setenv("CATDOG_DATA", str(photos))
    prepared = prepare(val_fraction=0.5, report=lambda s: None)
    assert prepared.source == "folder"
    assert prepared.data_dir == tmp_path / "data_root" / "folder"
    assert prepared.counts == {"train": {"cat": 2, "dog": 2}, "val": {"cat": 2, "dog": 2}}


def test_dest_inside_the_photo_folder_is_not_indexed(tmp_path, photos_dir):
    photos = _flat(tmp_path, photos_dir, n=4)
    for _ in range(2):
        prepared = prepare(source="folder", from_dir=photos, dest=photos / "arranged", val_fraction=0.5,
                           report=lambda s: None)
        assert prepared.counts["train"] == {"cat": 2, "dog": 2}
        assert not prepared.skipped


def test_duplicate_names_keep_the_first_and_say_so(tmp_path, photos_dir):
    photos = _flat(tmp_path, photos_dir, n=4)
    (photos / "again").mkdir()
    os.symlink(photo_path(photos_dir, "cat", 9), photos / "again" / "cat.1.jpg")
    prepared = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", val_fraction=0.5,
                       report=lambda s: None)
    assert [(p.relative_to(photos).as_posix(), "same name" in r) for p, r in prepared.skipped] == \
        [("again/cat.1.jpg", True)]
    assert sum(prepared.counts["train"].values()) + sum(prepared.counts["val"].values()) == 8


@pytest.mark.parametrize("kwargs, words", [
    ({"source": "folder"}, "no folder given"),
    ({"source": "folder", "from_dir": "/no/such/folder"}, "there is no folder"),
    ({"source": "flickr"}, "unknown source"),
    ({"source": "folder", "from_dir": "/tmp", "val_fraction": 1.5}, "between 0 and 1"),
])
def test_bad_arguments_say_what_to_do(tmp_path, kwargs, words):
    with pytest.raises(CatdogError, match=words):
        prepare(dest=tmp_path / "out", report=lambda s: None, **kwargs)


def test_a_folder_without_photos_or_with_one_label_is_refused(tmp_path, photos_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hi")
    with pytest.raises(CatdogError, match="found no usable cat or dog photos"):
        prepare(source="folder", from_dir=empty, dest=tmp_path / "out", report=lambda s: None)
    cats = tmp_path / "cats"
    cats.mkdir()
    for i in range(4):
        os.symlink(photo_path(photos_dir, "cat", i), cats / f"cat.{i}.jpg")
    with pytest.raises(CatdogError, match="only one label"):
        prepare(source="folder", from_dir=cats, dest=tmp_path / "out", report=lambda s: None)
    with pytest.raises(CatdogError, match="the photo folder itself"):
        prepare(source="folder", from_dir=cats, dest=cats, report=lambda s: None)


def test_manifest_is_written_atomically(tmp_path, photos_dir):
    photos = _flat(tmp_path, photos_dir, n=4)
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text('{"train": [["cat.0.jpg", "cat"]], "val": [')  # a torn write from elsewhere
    prepared = prepare(source="folder", from_dir=photos, dest=out, val_fraction=0.5, report=lambda s: None)
    assert json.loads(prepared.manifest.read_text())["layout"] == "flat"
    assert sorted(p.name for p in out.iterdir()) == ["fingerprints.json", "index.json", "split.json", "train", "val"]


def test_the_same_split_gives_the_same_manifest_bytes(tmp_path, photos_dir):
    """A checkpoint can name its split by the manifest's hash: same seed, same bytes."""
    photos = _flat(tmp_path, photos_dir, n=6)
    first = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lambda s: None)
    saved = first.manifest.read_bytes()
    first.manifest.unlink()
    again = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lambda s: None)
    assert again.manifest.read_bytes() == saved


def test_a_converted_gif_follows_its_photo(tmp_path, photos_dir):
    """A GIF is converted once, again when it changes, and its copy goes when it does (subfolders kept)."""
    import time

    from PIL import Image

    folder = _flat(tmp_path, photos_dir, n=4)
    gif = folder / "more dogs" / "dog.99.gif"
    Image.open(photo_path(photos_dir, "dog", 5)).save(gif)
    dest = tmp_path / "data"
    lines = []
    prepared = prepare(source="folder", from_dir=folder, dest=dest, report=lines.append)
    copy = dest / "converted" / "more dogs" / "dog.99.png"
    assert prepared.converted == [(gif, copy)] and copy.is_file()
    assert f"  {gif} -> dog.99.png" in lines
    arranged = [p for p in dest.glob("*/dog/dog.99.png")]
    assert len(arranged) == 1 and os.path.samefile(arranged[0], copy)
    with Image.open(copy) as png, Image.open(gif) as original:
        assert png.format == "PNG" and png.size == original.size
    first = copy.stat().st_mtime_ns

    prepare(source="folder", from_dir=folder, dest=dest, report=lambda line: None)
    assert copy.stat().st_mtime_ns == first  # unchanged photo: the copy is kept, not made again
    time.sleep(0.01)
    Image.open(photo_path(photos_dir, "dog", 6)).save(gif)
    prepare(source="folder", from_dir=folder, dest=dest, report=lambda line: None)
    with Image.open(copy) as png, Image.open(gif) as changed:
        assert png.convert("RGB").tobytes() == changed.convert("RGB").tobytes()

    gif.unlink()
    prepare(source="folder", from_dir=folder, dest=dest, report=lambda line: None)
    assert not copy.exists() and not (dest / "converted" / "more dogs").exists()
