"""Lesson 02: label_from_filename, split_items, arrange_imagefolder.

The checks make their own little files in temporary folders; no photo of
the course is needed.
"""
import math
import os
import random
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from catdog_lib.course.plugin import CheckFailed, expect, expect_raises

# -- label_from_filename ----------------------------------------------------------

def _label(function, path):
    result = function(path)
    expect(isinstance(result, str), f"label_from_filename({str(path)!r}) returned {type(result).__name__}, not a str")
    return result


def test_reads_the_label(label_from_filename):
    for name, label in (("cat.123.jpg", "cat"), ("dog.7.jpg", "dog"), ("cat.0.png", "cat")):
        result = _label(label_from_filename, name)
        if result.lower().startswith(label) and "." in result:
            raise CheckFailed(f"label_from_filename({name!r}) returned {result!r}, the whole stem: "
                              "the label is only the part before the first dot")
        expect(result == label, f"label_from_filename({name!r}) returned {result!r}, not {label!r}")


def test_takes_paths_and_folders(label_from_filename):
    class Where(os.PathLike):  # any os.PathLike, not only Path
        def __fspath__(self):
            return os.path.join("data", "cat.5.jpg")

    cases = ((Path("some/dir/cat.5.jpg"), "cat"), (Path("dogs/cat.1.jpg"), "cat"),
             (os.path.join("cats", "dog.2.jpg"), "dog"), ("/tmp/cat_photos/dog.3.jpg", "dog"), (Where(), "cat"))
    for path, label in cases:
        try:
            result = _label(label_from_filename, path)
        except (TypeError, AttributeError) as error:
            raise CheckFailed(f"label_from_filename({path!r}) raised {type(error).__name__}: "
                              "accept a str or any os.PathLike (Path(path).name works for both)") from error
        expect(result == label, f"label_from_filename({str(path)!r}) returned {result!r}, not {label!r}: "
               "look at the file's name only, not at its folders",
               hint="Path(path).name is the file's name without its folders.")


def test_ignores_case(label_from_filename):
    for name, label in (("Dog.7.JPG", "dog"), ("CAT.12.jpg", "cat"), ("some/dir/Cat.3.Jpeg", "cat")):
        try:
            result = _label(label_from_filename, name)
        except ValueError as error:
            raise CheckFailed(f"label_from_filename({name!r}) raised ValueError: it is case-sensitive; "
                              "compare the label in lower case") from error
        expect(result == label, f"label_from_filename({name!r}) returned {result!r}, not {label!r}: "
               "it is case-sensitive; return the label in lower case",
               hint="Call .lower() on the label before you compare or return it.")


def test_rejects_other_names(label_from_filename):
    for name in ("catalog.jpg", "hotdog.1.jpg", "cats.1.jpg", "123.jpg", "bird.1.jpg", "dogcat.2.jpg"):
        try:
            result = label_from_filename(name)
        except ValueError as error:
            expect(name in str(error), f"the ValueError for {name!r} does not name the file: {error}",
                   hint="Put the file's name in the message: ValueError(f'cannot tell the label of {name!r}').")
            continue
        raise CheckFailed(f"label_from_filename({name!r}) returned {result!r} instead of raising ValueError: "
                          "it matches a substring; compare the whole part before the first dot",
                          hint="'hotdog' contains 'dog' but is not 'dog': compare with ==, not 'in' or startswith.")


# -- split_items ----------------------------------------------------------------

def _items(cats, dogs):
    return [(f"/photos/cat.{i}.jpg", "cat") for i in range(cats)] + \
           [(f"/photos/dog.{i}.jpg", "dog") for i in range(dogs)]


def _split(function, items, **kwargs):
    result = function(items, **kwargs)
    expect(isinstance(result, tuple) and len(result) == 2,
           f"split_items returned {type(result).__name__}, not a pair (train, val)")
    train, val = result
    expect(isinstance(train, list) and isinstance(val, list),
           f"split_items returned ({type(train).__name__}, {type(val).__name__}), not two lists")
    return [tuple(item) for item in train], [tuple(item) for item in val]


def test_keeps_every_item_once(split_items):
    items = _items(12, 8)
    train, val = _split(split_items, list(items), val_fraction=0.25, seed=0)
    both = sorted(set(train) & set(val))
    expect(not both, f"{len(both)} items are in both train and val (e.g. {both[0][0] if both else ''}): "
           "each item goes into exactly one list",
           hint="Give val the first n_val items of a shuffled group and train the rest: group[:n_val], group[n_val:].")
    together = Counter(train) + Counter(val)
    expect(together == Counter(items),
           f"train and val together hold {len(train) + len(val)} items, the input {len(items)}: "
           "items are lost or repeated; every item must land in exactly one list")


def test_is_stratified(split_items):
    cases = ((_items(30, 10), 0.25), (_items(40, 4), 0.5), (_items(9, 21), 0.2), (_items(12, 12), 0.25))
    for items, fraction in cases:
        counts = Counter(label for _, label in items)
        for seed in range(12):
            _, val = _split(split_items, list(items), val_fraction=fraction, seed=seed)
            got = Counter(label for _, label in val)
            for label, n in counts.items():
                ok = (math.floor(n * fraction), math.ceil(n * fraction))
                expect(got[label] in ok,
                       f"with {counts['cat']} cats, {counts['dog']} dogs and val_fraction={fraction}, val holds "
                       f"{got['cat']} cats and {got['dog']} dogs (seed={seed}): the split is not stratified",
                       hint="Split each label on its own: val gets round(n * val_fraction) of each label's n items.")


def test_uses_val_fraction(split_items):
    items = _items(20, 20)
    for fraction in (0.5, 0.1):
        _, val = _split(split_items, list(items), val_fraction=fraction, seed=0)
        expect(len(val) == round(40 * fraction),
               f"with val_fraction={fraction}, val holds {len(val)} of 40 items, not {round(40 * fraction)}: "
               "it ignores val_fraction")
    for fraction in (0, 1, 1.5, -0.1):
        expect_raises(ValueError, split_items, list(items), val_fraction=fraction, seed=0,
                      message=f"split_items(items, val_fraction={fraction}) did not raise ValueError: "
                              "check that 0 < val_fraction < 1")


def test_same_seed_same_split(split_items):
    items = _items(15, 15)
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    first = _split(split_items, list(items), seed=3)
    random.seed(2), np.random.seed(2), torch.manual_seed(2)
    again = _split(split_items, list(items), seed=3)
    expect(first == again, "split_items(items, seed=3) gave two different splits: it is not seeded, "
           "so a restart would mix validation photos into training",
           hint="Shuffle with your own generator: rng = random.Random(seed); rng.shuffle(group).")


def test_other_seeds_other_splits(split_items):
    items = _items(15, 15)
    vals = {frozenset(_split(split_items, list(items), seed=seed)[1]) for seed in range(5)}
    expect(len(vals) > 1, "seeds 0 to 4 all gave the same val set: the items are not shuffled (or seed is ignored)",
           hint="Shuffle each label's items with random.Random(seed) before you cut.")


def test_leaves_global_random_alone(split_items):
    items = _items(15, 15)
    random.seed(5)
    before = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state())
    _split(split_items, list(items), seed=0)
    after = (random.getstate(), np.random.get_state()[1], torch.get_rng_state())
    changed = [name for name, a, b in (("random", before[0], after[0]),) if a != b]
    changed += ["numpy"] if not np.array_equal(before[1], after[1]) else []
    changed += ["torch"] if not torch.equal(before[2], after[2]) else []
    expect(not changed, f"split_items changed the global random state ({', '.join(changed)}): "
           "use your own seeded generator such as random.Random(seed)",
           hint="random.shuffle and random.seed change everyone's random numbers; rng = random.Random(seed) is yours alone.")


def test_leaves_the_input_alone(split_items):
    items = _items(10, 6)
    given = list(items)
    _split(split_items, given, seed=0)
    expect(given == items, "split_items changed the caller's list (it shuffled or sorted it in place): "
           "work on a copy, list(items)")
    try:
        _split(split_items, tuple(items), seed=0)
    except (TypeError, AttributeError) as error:
        raise CheckFailed(f"split_items failed on a tuple of items ({type(error).__name__}: {error}): "
                          "items may be any sequence; copy it into a list before you shuffle") from error


# -- arrange_imagefolder ----------------------------------------------------------

def _sources(folder, cats=4, dogs=3):
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for label, n in (("cat", cats), ("dog", dogs)):
        for i in range(n):
            path = folder / f"{label}.{i}.jpg"
            path.write_bytes(f"not really a jpeg: {label} {i}".encode())
            items.append((str(path), label))
    return items


def _tree(dest):
    return sorted(str(p.relative_to(dest)) for p in Path(dest).rglob("*") if p.is_file() or p.is_symlink())


def _expected(train, val):
    return sorted(f"{split}{os.sep}{label}{os.sep}{Path(path).name}"
                  for split, items in (("train", train), ("val", val)) for path, label in items)


def _check_sources(items):
    for path, label in items:
        path = Path(path)
        expect(path.exists() and not path.is_symlink(),
               f"the source file {path.name} is gone or replaced: it moves the sources; link or copy, never move",
               hint="os.symlink(source, target) or shutil.copy2(source, target) leave the source where it is.")
        expect(path.read_bytes().endswith(f"{label} {path.name.split('.')[1]}".encode()),
               f"the source file {path.name} was changed: never write to the sources")


def _arrange(function, train, val, dest, **kwargs):
    counts = function(train, val, dest, **kwargs)
    found, wanted = _tree(dest), _expected(train, val)
    folders = sorted({str(Path(f).parent) for f in found})
    expect(found == wanted or not set(wanted) - set(found),
           f"expected dest/train/cat/cat.0.jpg and the like; found the folders {folders}: wrong folder names",
           hint="The layout is dest/<train or val>/<label>/<file name>, with labels 'cat' and 'dog'.")
    return counts


def _split_of(items, val_numbers):
    val = [it for it in items if int(Path(it[0]).name.split(".")[1]) in val_numbers]
    return [it for it in items if it not in val], val


def test_makes_class_folders(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    train, val = _split_of(items, {0})
    counts = _arrange(arrange_imagefolder, train, val, tmp_path / "data")
    expect(counts == {"train": {"cat": 3, "dog": 2}, "val": {"cat": 1, "dog": 1}},
           f"it returned {counts!r}: return the counts per split and label, "
           "{'train': {'cat': 3, 'dog': 2}, 'val': {'cat': 1, 'dog': 1}}")
    _check_sources(items)


def test_links_or_copies(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    train, val = _split_of(items, {0})
    _arrange(arrange_imagefolder, train, val, tmp_path / "linked", link=True)
    _check_sources(items)
    for path, label in train:
        target = tmp_path / "linked" / "train" / label / Path(path).name
        expect(target.is_symlink(), f"with link=True, train/{label}/{target.name} is not a symbolic link",
               hint="os.symlink(os.path.abspath(source), target)")
        expect(target.exists() and target.resolve() == Path(path).resolve(),
               f"the link train/{label}/{target.name} does not lead to its source: link to the absolute path")
    _arrange(arrange_imagefolder, train, val, tmp_path / "copied", link=False)
    _check_sources(items)
    for path, label in val:
        target = tmp_path / "copied" / "val" / label / Path(path).name
        expect(not target.is_symlink() and target.read_bytes() == Path(path).read_bytes(),
               f"with link=False, val/{label}/{target.name} is not a copy of its source",
               hint="shutil.copy2(source, target) copies a file.")


def test_relative_sources(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        relative = [(os.path.join("photos", Path(p).name), label) for p, label in items]
        train, val = _split_of(relative, {1})
        arrange_imagefolder(train, val, "data", link=True)
        broken = [str(p.relative_to("data")) for p in Path("data").rglob("*.jpg") if not p.exists()]
    finally:
        os.chdir(here)
    expect(not broken, f"with relative source paths the links are broken ({broken[0] if broken else ''}): "
           "link to os.path.abspath(path)")


def test_runs_again(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    train, val = _split_of(items, {0})
    _arrange(arrange_imagefolder, train, val, tmp_path / "data")
    first = _tree(tmp_path / "data")
    try:
        _arrange(arrange_imagefolder, train, val, tmp_path / "data")
    except FileExistsError as error:
        raise CheckFailed("running it a second time with the same split raised FileExistsError: "
                          "clear the old train/ and val/ folders first",
                          hint="shutil.rmtree(dest / 'train') when it exists, and the same for val.") from error
    expect(_tree(tmp_path / "data") == first, "running it twice with the same split gave another tree")
    _check_sources(items)


def test_replaces_an_older_split(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    _arrange(arrange_imagefolder, *_split_of(items, {0}), tmp_path / "data")
    train, val = _split_of(items, {1, 2})
    try:
        _arrange(arrange_imagefolder, train, val, tmp_path / "data")
    except FileExistsError as error:
        raise CheckFailed("arranging a second split raised FileExistsError: clear the old train/ and val/ first") from error
    left = sorted(set(_tree(tmp_path / "data")) - set(_expected(train, val)))
    expect(not left, f"after arranging another split, {left[0] if left else ''} from the first split is still there: "
           "it leaves files of an older split; empty train/ and val/ first",
           hint="shutil.rmtree removes a folder with its links (never the files they point to).")
    _check_sources(items)
