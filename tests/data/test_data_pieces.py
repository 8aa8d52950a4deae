"""The reference pieces of lesson 02: label_from_filename, split_items, arrange_imagefolder."""
import os
import random
import re
from pathlib import Path

import pytest

from catdog_lib.data import arrange_imagefolder, label_from_filename, split_items


@pytest.mark.parametrize("name, label", [
    ("cat.123.jpg", "cat"), ("dog.0.jpg", "dog"), ("some/dir/Dog.7.JPG", "dog"), ("CAT.1.png", "cat"),
    ("a.b/cat.5.jpeg", "cat"), ("cat.12 copy.jpg", "cat"),
])
def test_label_from_filename(name, label):
    assert label_from_filename(name) == label
    assert label_from_filename(Path(name)) == label


@pytest.mark.parametrize("name", ["123.jpg", "bird.1.jpg", "catalog.jpg", "hotdog.1.jpg", "cat.jpg",
                                  "dogs/1.jpg", ".cat.1.jpg", "cat"])
def test_label_from_filename_refuses_other_names(name):
    with pytest.raises(ValueError, match=re.escape(repr(Path(name).name))):
        label_from_filename(name)


def _items(n_cats, n_dogs):
    return [(f"cat.{i}.jpg", "cat") for i in range(n_cats)] + [(f"dog.{i}.jpg", "dog") for i in range(n_dogs)]


def test_split_items_is_stratified_disjoint_complete_and_seeded():
    items = _items(40, 20)
    before = list(items)
    train, val = split_items(items, val_fraction=0.25, seed=3)
    assert items == before  # the caller's list is unchanged
    assert sorted(train + val) == sorted(items) and not set(train) & set(val)
    assert sum(1 for _, label in val if label == "cat") == 10
    assert sum(1 for _, label in val if label == "dog") == 5
    assert split_items(items, 0.25, seed=3) == (train, val)
    assert split_items(items, 0.25, seed=4) != (train, val)
    labels = [label for _, label in train]
    assert labels != sorted(labels) and labels != sorted(labels, reverse=True)  # mixed, not all cats first


def test_split_items_leaves_the_global_random_state_alone():
    random.seed(123)
    expected = random.random()
    random.seed(123)
    split_items(_items(10, 10), 0.3, seed=0)
    assert random.random() == expected


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_split_items_refuses_fractions_outside_0_1(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        split_items(_items(4, 4), fraction)


@pytest.fixture
def sources(tmp_path, photos_dir):
    from helpers import photo_path

    folder = tmp_path / "src"
    folder.mkdir()
    items = []
    for label in ("cat", "dog"):
        for i in range(4):
            target = folder / f"{label}.{i}.jpg"
            target.write_bytes(photo_path(photos_dir, label, i).read_bytes())
            items.append((target, label))
    return items


@pytest.mark.parametrize("link", [True, False])
def test_arrange_imagefolder_lays_out_the_split(tmp_path, sources, link):
    train, val = split_items(sources, 0.25, seed=0)
    counts = arrange_imagefolder(train, val, tmp_path / "out", link=link)
    assert counts == {"train": {"cat": 3, "dog": 3}, "val": {"cat": 1, "dog": 1}}
    for part, items in (("train", train), ("val", val)):
        for path, label in items:
            target = tmp_path / "out" / part / label / Path(path).name
            assert target.read_bytes() == Path(path).read_bytes()
            assert target.is_symlink() == link


def test_arrange_again_leaves_nothing_of_the_old_split_and_never_touches_sources(tmp_path, sources):
    before = {p: p.read_bytes() for p, _ in sources}
    out = tmp_path / "out"
    arrange_imagefolder(*split_items(sources, 0.25, seed=0), out)
    train, val = split_items(sources, 0.5, seed=1)
    counts = arrange_imagefolder(train, val, out)
    assert counts == {"train": {"cat": 2, "dog": 2}, "val": {"cat": 2, "dog": 2}}
    on_disk = {part: sorted(p.name for p in (out / part).rglob("*") if p.is_file()) for part in ("train", "val")}
    assert on_disk == {"train": sorted(Path(p).name for p, _ in train), "val": sorted(Path(p).name for p, _ in val)}
    assert {p: p.read_bytes() for p, _ in sources} == before


def test_arrange_refuses_sources_inside_the_folder_it_rebuilds(tmp_path, sources):
    out = tmp_path / "out"
    arrange_imagefolder(sources[:6], sources[6:], out, link=False)
    inside = [(p, "cat") for p in (out / "train" / "cat").iterdir()]
    with pytest.raises(ValueError, match="arrange into another folder"):
        arrange_imagefolder(inside, [], out)
    assert all(p.exists() for p, _ in inside)


def test_arrange_refuses_two_files_with_one_name(tmp_path, sources):
    other = tmp_path / "other"
    other.mkdir()
    twin = other / Path(sources[0][0]).name
    twin.write_bytes(b"x")
    with pytest.raises(ValueError, match="rename one"):
        arrange_imagefolder([sources[0], (twin, "cat")], [], tmp_path / "out")


def test_arrange_falls_back_to_copies_where_links_fail(tmp_path, sources, monkeypatch):
    def no_links(*args, **kwargs):
        raise OSError("symbolic links are not allowed here")

    monkeypatch.setattr(os, "symlink", no_links)  # as on Windows without developer mode
    arrange_imagefolder(sources[:2], sources[2:3], tmp_path / "out", link=True)
    copies = list((tmp_path / "out").rglob("*.jpg"))
    assert len(copies) == 3 and not any(p.is_symlink() for p in copies)
