"""prepare() keeps the copies of one photo on one side of the split, and holds out a test set when asked."""
import io
import os

import pytest
from PIL import Image

from catdog_lib.prepare import prepare, read_manifest
from catdog_lib.prepare.duplicates import duplicate_groups, keep_together
from helpers import photo_path


@pytest.fixture(autouse=True)
def _no_catdog_data(monkeypatch, tmp_path):
    monkeypatch.delenv("CATDOG_DATA", raising=False)
    monkeypatch.setenv("CATDOG_DATA_ROOT", str(tmp_path / "data_root"))


def _recompressed(path, quality=60):
    """The photo at ``path`` saved again as a JPEG: the same photo, other bytes, other pixels."""
    buf = io.BytesIO()
    with Image.open(path) as im:
        im.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _flat(folder, photos_dir, n):
    folder.mkdir(parents=True)
    for label in ("cat", "dog"):
        for i in range(n):
            os.symlink(photo_path(photos_dir, label, i), folder / f"{label}.{i}.jpg")
    return folder


def _sides(data_dir, parts=("train", "val", "test")):
    return {p.name: part for part in parts for p in (data_dir / part).glob("*/*")}


def test_a_photo_planted_under_two_names_lands_on_one_side(tmp_path, photos_dir):
    photos = _flat(tmp_path / "photos", photos_dir, 12)
    original = photo_path(photos_dir, "dog", 3)
    (photos / "dog.900.jpg").write_bytes(_recompressed(original))  # the same photo, re-encoded, another name
    assert (photos / "dog.900.jpg").read_bytes() != original.read_bytes()

    for seed in range(6):  # whichever side the split draws for it, the copy follows
        lines = []
        prepared = prepare(source="folder", from_dir=photos, dest=tmp_path / f"out{seed}", seed=seed,
                           report=lines.append)
        sides = _sides(prepared.data_dir)
        assert sides["dog.3.jpg"] == sides["dog.900.jpg"]
        assert [[p.name for p in g] for g in prepared.duplicates] == [["dog.3.jpg", "dog.900.jpg"]]
        assert any("Found 1 photo(s) saved twice" in line and "dog.3.jpg = dog.900.jpg" in line for line in lines)
        assert read_manifest(prepared.manifest)["duplicates"] == [["dog.3.jpg", "dog.900.jpg"]]


def test_different_photos_are_no_duplicates(tmp_path, photos_dir):
    photos = _flat(tmp_path / "photos", photos_dir, 10)
    assert duplicate_groups(sorted(photos.iterdir())) == []
    lines = []
    prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lines.append)
    assert "No photo is saved twice under different names." in lines


def test_a_saved_split_with_copies_on_both_sides_is_made_again(tmp_path, photos_dir):
    photos = _flat(tmp_path / "photos", photos_dir, 8)
    first = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lambda line: None)
    sides = _sides(first.data_dir)
    train_cat = next(name for name, side in sides.items() if side == "train" and name.startswith("cat"))
    val_cat = next(name for name, side in sides.items() if side == "val" and name.startswith("cat"))
    (photos / val_cat).unlink()  # the val cat becomes a copy of a train cat
    (photos / val_cat).write_bytes(_recompressed(photos / train_cat))
    lines = []
    again = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lines.append)
    assert any("puts copies of one photo on both sides" in line for line in lines)
    sides = _sides(again.data_dir)
    assert sides[train_cat] == sides[val_cat]


def test_keep_together_changes_nothing_without_groups():
    items = [(f"/p/cat.{i}.jpg", "cat") for i in range(5)]
    representatives, expand = keep_together(items, [])
    assert representatives == items and expand(items[:2]) == items[:2]


def test_a_test_set_is_held_out_first_stratified_seeded_and_saved(tmp_path, photos_dir):
    photos = _flat(tmp_path / "photos", photos_dir, 20)
    lines = []
    prepared = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", test_fraction=0.1,
                       report=lines.append)
    sides = _sides(prepared.data_dir)
    held = sorted(name for name, side in sides.items() if side == "test")
    assert held == sorted(r.path.name for r in prepared.test)
    assert sum(n.startswith("cat") for n in held) == 2 and sum(n.startswith("dog") for n in held) == 2
    # then split_items splits the rest as before: 18 of each label left, round(18 * 0.25) = 4 of them to val
    assert prepared.counts == {"train": {"cat": 14, "dog": 14}, "val": {"cat": 4, "dog": 4}}
    manifest = read_manifest(prepared.manifest)
    assert manifest["test_fraction"] == 0.1 and sorted(n for n, _ in manifest["test"]) == held
    assert any(line.lstrip().startswith("test:") and "held out" in line for line in lines)

    again = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", test_fraction=0.1,
                    report=lambda line: None)
    assert sorted(r.path.name for r in again.test) == held  # the saved split, reused
    other = prepare(source="folder", from_dir=photos, dest=tmp_path / "other", test_fraction=0.1, seed=1,
                    report=lambda line: None)
    assert sorted(r.path.name for r in other.test) != held

    lines.clear()
    without = prepare(source="folder", from_dir=photos, dest=tmp_path / "out", report=lines.append)
    assert not (without.data_dir / "test").exists() and without.test == []
    assert any("test_fraction was 0.1" in line for line in lines)


@pytest.mark.parametrize("bad", [-0.1, 1, 1.5, "0.1"])
def test_a_bad_test_fraction_is_refused(tmp_path, bad):
    from catdog_lib.errors import CatdogError

    with pytest.raises(CatdogError, match="test_fraction"):
        prepare(source="sample", dest=tmp_path / "out", test_fraction=bad, report=lambda line: None)
