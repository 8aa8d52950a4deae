"""Lesson 02: label_from_filename, split_items, arrange_imagefolder.

The checks make their own little files in temporary folders; no photo of
the course is needed.
"""
import errno
import math
import os
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from catdog_lib.course.another_process import call_in_another_process
from catdog_lib.course.plugin import CheckFailed, expect, expect_raises, expect_signature
from catdog_lib.i18n import tr

# -- label_from_filename ----------------------------------------------------------

def _label(function, path, label=None):
    result = function(path)
    expect(isinstance(result, str), tr("label_from_filename({path!r}) returned {result!r} "
           "({result_type}), not the str 'cat' or 'dog'",
           path=str(path), result=result, result_type=type(result).__name__),
           hint=tr("Return the label itself, the text 'cat' or 'dog', not a number, list or match object."))
    if label and result.lower().startswith(label + "."):
        raise CheckFailed(tr("label_from_filename({path!r}) returned {result!r}, the whole stem: "
                             "the label is only the part before the first dot", path=str(path), result=result),
                          hint=tr("Path(path).stem keeps 'cat.123'; name.split('.')[0] is 'cat'."))
    return result


def test_label_from_filename_signature(label_from_filename):
    expect_signature(label_from_filename, "label_from_filename")


def test_reads_the_label(label_from_filename):
    for name, label in (("cat.123.jpg", "cat"), ("dog.7.jpg", "dog"), ("cat.0.png", "cat")):
        result = _label(label_from_filename, name, label)
        expect(result == label, tr("label_from_filename({name!r}) returned {result!r}, not {label!r}",
                                   name=name, result=result, label=label),
               hint=tr("The Kaggle name is <label>.<number>.<extension>: the label is the part before the first dot."))


def test_takes_paths_and_folders(label_from_filename):
    class Where(os.PathLike):  # any os.PathLike, not only Path
        def __fspath__(self):
            return os.path.join("data", "cat.5.jpg")

    cases = ((Path("some/dir/cat.5.jpg"), "cat"), (Path("dogs/cat.1.jpg"), "cat"),
             (os.path.join("cats", "dog.2.jpg"), "dog"), ("/tmp/cat_photos/dog.3.jpg", "dog"), (Where(), "cat"))
    _each_label(label_from_filename, cases, (TypeError, AttributeError),
                tr("accept a str or any os.PathLike (Path(path).name works for both)"),
                tr("Path(path) accepts a str, a Path and any os.PathLike alike."),
                tr("look at the file's name only, not at its folders"),
                tr("Path(path).name is the file's name without its folders."))


def test_ignores_case(label_from_filename):
    cases = (("Dog.7.JPG", "dog"), ("CAT.12.jpg", "cat"), ("some/dir/Cat.3.Jpeg", "cat"))
    _each_label(label_from_filename, cases, ValueError, tr("it is case-sensitive; compare the label in lower case"),
                tr("Lower-case the part before the first dot before you compare it: .lower()."),
                tr("it is case-sensitive; return the label in lower case"),
                tr("Call .lower() on the label before you compare or return it."))


def _each_label(label_from_filename, cases, catch, raised, raised_hint, wrong, wrong_hint):
    """Label each ``(path, label)`` of ``cases``: an error of the kinds ``catch`` fails with ``raised``, a
    wrong label with ``wrong``."""
    for path, label in cases:
        try:
            result = _label(label_from_filename, path, label)
        except catch as error:
            raise CheckFailed(tr("label_from_filename({path!r}) raised {error_type} ({error}): {raised}",
                                 path=path, error_type=type(error).__name__, error=error, raised=raised),
                              hint=raised_hint) from error
        expect(result == label, tr("label_from_filename({path!r}) returned {result!r}, not {label!r}: {wrong}",
                                   path=str(path), result=result, label=label, wrong=wrong),
               hint=wrong_hint)


def test_rejects_other_names(label_from_filename):
    for name in ("catalog.jpg", "hotdog.1.jpg", "cats.1.jpg", "123.jpg", "bird.1.jpg", "dogcat.2.jpg"):
        error = expect_raises(
            ValueError, label_from_filename, name,
            message=lambda result: tr("label_from_filename({name!r}) returned {result!r} instead of raising ValueError: "
                                      "it matches a substring or lets other names through; compare the whole part "
                                      "before the first dot", name=name, result=result),
            hint=tr("'hotdog' contains 'dog' but is not 'dog': compare with ==, not 'in' or startswith, and raise "
                    "ValueError for anything else."),
            other=lambda error: tr("label_from_filename({name!r}) raised {error_type} ({error}), not ValueError",
                                   name=name, error_type=type(error).__name__, error=error),
            other_hint=tr("Check the label yourself and raise ValueError(f'... {{name!r}}') when it is neither 'cat' nor 'dog'."))
        expect(name in str(error), tr("the ValueError for {name!r} does not name the file: {error}",
                                      name=name, error=error),
               hint=tr("Put the file's name in the message: ValueError(f'cannot tell the label of {{name!r}}')."))


def test_needs_the_number(label_from_filename):
    for name in ("cat.jpg", "Dog.png", os.path.join("photos", "cat.jpeg")):
        error = expect_raises(
            ValueError, label_from_filename, name,
            message=lambda result: tr("label_from_filename({name!r}) returned {result!r} instead of raising "
                                      "ValueError: a Kaggle name has a number between the label and the extension, "
                                      "<label>.<number>.<extension>", name=name, result=result),
            hint=tr("Split the name at its dots: 'cat.123.jpg' gives three parts; fewer is not a Kaggle name."),
            other=lambda error: tr("label_from_filename({name!r}) raised {error_type} ({error}), not ValueError",
                                   name=name, error_type=type(error).__name__, error=error),
            other_hint=tr("Check the parts yourself and raise ValueError(f'... {{name!r}}') when a name has no number."))
        expect(Path(name).name in str(error), tr("the ValueError for {name!r} does not name the file: {error}",
                                                 name=name, error=error),
               hint=tr("Put the file's name in the message: ValueError(f'cannot tell the label of {{name!r}}')."))


def test_reads_the_files_own_name(label_from_filename):
    for path, label in ((os.path.join("data", "train", "cat", "dog.3.jpg"), "dog"),
                        (os.path.join("dog", "cat.8.jpg"), "cat")):
        result = _label(label_from_filename, path, label)
        expect(result == label, tr("label_from_filename({path!r}) returned {result!r}, not {label!r}: it reads the "
                                   "name of a folder; the label is in the file's own name", path=path, result=result,
                                   label=label),
               hint=tr("Path(path).name is the file's own name: ImageFolder's class folders are not the Kaggle layout."))
    for path in (os.path.join("cat", "123.jpg"), os.path.join("photos", "dog", "photo.jpg")):
        expect_raises(
            ValueError, label_from_filename, path,
            message=lambda result: tr("label_from_filename({path!r}) returned {result!r} instead of raising "
                                      "ValueError: it reads the name of a folder; only the file's own name counts",
                                      path=path, result=result),
            hint=tr("Path(path).name is the file's own name: ImageFolder's class folders are not the Kaggle layout."),
            other=lambda error: tr("label_from_filename({path!r}) raised {error_type} ({error}), not ValueError",
                                   path=path, error_type=type(error).__name__, error=error),
            other_hint=tr("Look at Path(path).name alone, and raise ValueError when it is not a Kaggle name."))


# -- split_items ----------------------------------------------------------------

def _items(cats, dogs):
    return [(f"/photos/cat.{i}.jpg", "cat") for i in range(cats)] + \
           [(f"/photos/dog.{i}.jpg", "dog") for i in range(dogs)]


def _pair(item):
    return tuple(item) if isinstance(item, (list, tuple)) or hasattr(item, "__array__") else item


def _split(function, items, **kwargs):
    """(train, val) as lists of tuples; any two sequences are taken here (test_returns_two_lists is strict)."""
    call = f"split_items(items, {', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    result = function(items, **kwargs)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           tr("{call} returned {result_type} of length {length}, not a pair (train, val)", call=call,
              result_type=type(result).__name__, length=len(result)) if hasattr(result, "__len__") else
           tr("{call} returned {result_type}, not a pair (train, val)", call=call, result_type=type(result).__name__),
           hint=tr("End with return train, val: two lists."))
    train, val = result
    return [_pair(item) for item in train], [_pair(item) for item in val]


def test_split_items_signature(split_items):
    expect_signature(split_items, "split_items")


def test_returns_two_lists(split_items):
    items = [(Path(f"/photos/cat.{i}.jpg"), "cat") for i in range(8)] + \
            [(Path(f"/photos/dog.{i}.jpg"), "dog") for i in range(8)]
    train, val = split_items(list(items), val_fraction=0.25, seed=0)
    expect(isinstance(train, list) and isinstance(val, list),
           tr("split_items returned ({train_type}, {val_type}), not two lists",
              train_type=type(train).__name__, val_type=type(val).__name__),
           hint=tr("Build train and val as Python lists of the pairs you were given (list(...) turns any sequence into one)."))
    strange = [item for item in list(train) + list(val) if tuple(item) not in items]
    if strange:
        raise CheckFailed(tr("split_items turned the pairs it was given, such as {items_0!r}, into "
                             "{strange_0_type}s such as {strange_0!r}: return the same (path, label) pairs",
                             items_0=items[0], strange_0_type=type(strange[0]).__name__, strange_0=strange[0]),
                          hint=tr("Move the pairs themselves into train and val; do not rebuild them "
                                  "(no str(path), no numpy array)."))
    expect(len(val) < len(train), tr("with val_fraction=0.25 the first list holds {n_train} items and the second "
           "{n_val}: split_items returns (val, train); return (train, val)", n_train=len(train), n_val=len(val)),
           hint=tr("return train, val, in that order."))


def test_keeps_every_item_once(split_items):
    items = _items(12, 8)
    train, val = _split(split_items, list(items), val_fraction=0.25, seed=0)
    both = sorted(set(train) & set(val))
    expect(not both, tr("with 12 cats and 8 dogs, {n_both} items are in both train and val "
           "(e.g. {example}): each item goes into exactly one list", n_both=len(both),
              example=both[0][0] if both else ''),
           hint=tr("Give val the first n_val items of a shuffled group and train the rest: group[:n_val], group[n_val:]."))
    together = Counter(train) + Counter(val)
    lost = sum((Counter(items) - together).values())
    expect(together == Counter(items),
           tr("with 12 cats and 8 dogs, train and val together hold {n_both} items, the input "
              "{n_items}: items are lost ({lost}) or repeated; every item must land in exactly one list",
              n_both=len(train) + len(val), n_items=len(items), lost=lost),
           hint=tr("Cut each shuffled group once, at the same index: val = group[:n_val], train = group[n_val:]."))


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
                       tr("with {counts_cat} cats, {counts_dog} dogs and val_fraction={fraction}, val holds "
                          "{got_cat} cats and {got_dog} dogs (seed={seed}), not {ok_0} or {ok_1} {label}s: "
                          "the split is not stratified",
                          counts_cat=counts['cat'], counts_dog=counts['dog'], fraction=fraction, got_cat=got['cat'],
                          got_dog=got['dog'], seed=seed, ok_0=ok[0], ok_1=ok[1], label=label),
                       hint=tr("Split each label on its own: val gets round(n * val_fraction) of each label's n items."))


def test_uses_val_fraction(split_items):
    items = _items(20, 20)
    for fraction in (0.5, 0.1):
        _, val = _split(split_items, list(items), val_fraction=fraction, seed=0)
        expect(len(val) in (math.floor(40 * fraction), math.ceil(40 * fraction)),
               tr("with 20 cats, 20 dogs and val_fraction={fraction}, val holds {n_val} items, not "
                  "{round}: it ignores val_fraction", fraction=fraction, n_val=len(val), round=round(40 * fraction)),
               hint=tr("n_val = round(len(group) * val_fraction) for each label: no fixed fraction such as 1/4."))


def test_keeps_every_label(split_items):
    items = _items(8, 8) + [(f"/photos/fox.{i}.jpg", "fox") for i in range(8)]
    train, val = _split(split_items, list(items), val_fraction=0.25, seed=0)
    kept = Counter(label for _, label in train + val)
    lost = sorted(label for label in ("cat", "dog", "fox") if kept[label] < 8)
    expect(not lost, tr("with 8 cats, 8 dogs and 8 items labelled 'fox', train and val together hold {kept}: the "
                        "items labelled {lost} are lost; split every label the items have, not only cat and dog",
                        kept=dict(kept), lost=lost),
           hint=tr("Group the items by their own labels: by_label.setdefault(label, []).append(item)."))


def test_keeps_every_item_when_sizes_are_not_whole(split_items):
    for cats, dogs, fraction in ((10, 7, 0.25), (9, 11, 0.3), (13, 5, 0.1), (7, 7, 0.5)):
        items = _items(cats, dogs)
        train, val = _split(split_items, list(items), val_fraction=fraction, seed=0)
        together = Counter(train) + Counter(val)
        expect(together == Counter(items),
               tr("with {cats} cats, {dogs} dogs and val_fraction={fraction}, where n * val_fraction is not whole, "
                  "train and val together hold {n} items, not the {n_items} given: rounding the two sizes "
                  "separately loses or repeats items", cats=cats, dogs=dogs, fraction=fraction,
                  n=len(train) + len(val), n_items=len(items)),
               hint=tr("Round once, n_val = round(n * val_fraction), and cut once: val = group[:n_val], "
                       "train = group[n_val:]."))


def test_any_val_fraction(split_items):
    items = _items(20, 20)
    for fraction in (0.3, 0.4, 0.7, 0.9):
        _, val = _split(split_items, list(items), val_fraction=fraction, seed=0)
        got = Counter(label for _, label in val)
        ok = (math.floor(20 * fraction), math.ceil(20 * fraction))
        if all(got[label] in ok for label in ("cat", "dog")):
            continue
        steps = {k for k in (round(1 / fraction), int(1 / fraction)) if k}
        if any(got[label] == math.ceil(20 / k) for label in ("cat", "dog") for k in steps):
            raise CheckFailed(tr("with 20 cats, 20 dogs and val_fraction={fraction}, val holds {got_cat} cats and "
                                 "{got_dog} dogs, not {ok_0} or {ok_1} of each: sending every k-th item to val is "
                                 "right only when 1 / val_fraction is whole", fraction=fraction, got_cat=got["cat"],
                                 got_dog=got["dog"], ok_0=ok[0], ok_1=ok[1]),
                              hint=tr("Take a count, not a step: n_val = round(len(group) * val_fraction), "
                                      "val = group[:n_val]."))
        raise CheckFailed(tr("with 20 cats, 20 dogs and val_fraction={fraction}, val holds {got_cat} cats and "
                             "{got_dog} dogs, not {ok_0} or {ok_1} of each", fraction=fraction, got_cat=got["cat"],
                             got_dog=got["dog"], ok_0=ok[0], ok_1=ok[1]),
                          hint=tr("n_val = round(len(group) * val_fraction) for each label, whatever the fraction."))


def test_rejects_bad_val_fraction(split_items):
    items = _items(20, 20)
    for fraction in (0, 1, 1.5, -0.1):
        call = f"split_items(items, val_fraction={fraction})"
        expect_raises(ValueError, split_items, list(items), val_fraction=fraction, seed=0,
                      message=tr("{call} did not raise ValueError: check that 0 < val_fraction < 1", call=call),
                      hint=tr("0 and 1 themselves are out too: if not 0 < val_fraction < 1: raise ValueError(...)."),
                      other=lambda error: tr("{call} raised {error_type}, not ValueError",
                                             call=call, error_type=type(error).__name__),
                      other_hint=tr("Check it yourself: if not 0 < val_fraction < 1: raise ValueError(...) (an assert "
                                    "is skipped when Python runs with -O)."))


def test_same_seed_same_split(split_items):
    items = _items(15, 15)
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    first = _split(split_items, list(items), seed=3)
    random.seed(2), np.random.seed(2), torch.manual_seed(2)
    again = _split(split_items, list(items), seed=3)
    expect(first == again, tr("split_items(items, seed=3) gave two different splits in a row: it is not seeded, "
           "so a restart would mix validation photos into training"),
           hint=tr("Shuffle with a generator made from seed: rng = random.Random(seed); rng.shuffle(group)."))


@pytest.mark.timeout(60)  # a new process that imports torch takes seconds on a busy machine
def test_same_split_in_another_process(split_items):
    items = _items(12, 12)
    here = {frozenset(part) for part in _split(split_items, list(items), seed=3)}
    hash_seed, result, error = call_in_another_process(split_items, "split_items", items, seed=3)
    if error:
        raise CheckFailed(tr("split_items(items, seed=3) failed when run in a new Python process "
                             "(PYTHONHASHSEED={hash_seed}): {error}", hash_seed=hash_seed, error=error),
                          hint=tr("The function must work on its own, with only the lesson's names and its own imports."))
    there = {frozenset(_pair(item) for item in part) for part in result}
    expect(there == here, tr("split_items(items, seed=3) gave another split in a new Python process "
           "(PYTHONHASHSEED={hash_seed}) than in this one: it depends on the order of a set or on hash(), "
           "which change from one process to the next, so a restart would mix validation photos into training",
           hash_seed=hash_seed),
           hint=tr("Go through the labels in a fixed order, sorted(set(labels)) (not set(labels)), "
                   "and seed with seed itself, not with hash(...)."))


def test_other_seeds_other_splits(split_items):
    items = _items(15, 15)
    vals = [frozenset(_split(split_items, list(items), seed=seed)[1]) for seed in range(5)]
    if len(set(vals)) > 1:
        return
    in_order = frozenset(items[:4] + items[15:19])
    expect(vals[0] != in_order, tr("seeds 0 to 4 all gave the same val set, the first items of each label: "
           "the items are not shuffled"), hint=tr("Shuffle each label's items with random.Random(seed) before you cut."))
    raise CheckFailed(tr("seeds 0 to 4 all gave the same (shuffled) val set: it ignores seed, a fixed seed such as 42 "
                         "is used instead"), hint=tr("Make the generator from the seed argument: random.Random(seed)."))


def _noted(function, label, calls):
    def noted(*args, **kwargs):
        calls.append(label)
        return function(*args, **kwargs)

    return noted


def _module_name(module):
    return {"numpy.random": "np.random"}.get(module.__name__, module.__name__)


def test_leaves_global_random_alone(split_items):
    items = _items(15, 15)
    random.seed(5)
    before = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state())
    calls, patched = [], []
    for owner, attribute in ((random, "seed"), (random, "shuffle"), (random, "sample"), (np.random, "seed"),
                             (np.random, "shuffle"), (np.random, "permutation"), (torch, "manual_seed")):
        patched.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, _noted(getattr(owner, attribute), f"{_module_name(owner)}.{attribute}()", calls))
    try:
        _split(split_items, list(items), seed=0)
    finally:
        for owner, attribute, original in patched:
            setattr(owner, attribute, original)
    after = (random.getstate(), np.random.get_state()[1], torch.get_rng_state())
    changed = [name for name, a, b in (("random", before[0], after[0]),) if a != b]
    changed += ["numpy"] if not np.array_equal(before[1], after[1]) else []
    changed += ["torch"] if not torch.equal(before[2], after[2]) else []
    used = ", ".join(dict.fromkeys(calls))
    modules = tr(" and ").join(changed)
    expect(not changed, tr("split_items changed the global random state of {modules} (it calls {used}): "
                           "everyone's random numbers would change after each split", modules=modules, used=used)
           if used else tr("split_items changed the global random state of {modules}: everyone's random numbers "
                           "would change after each split", modules=modules),
           hint=tr("Make a generator of your own, rng = random.Random(seed) (or np.random.default_rng(seed)), "
                   "and call rng.shuffle: the global one belongs to everyone."))


def test_leaves_the_input_alone(split_items):
    items = _items(10, 6)
    random.Random(7).shuffle(items)  # not sorted: sorting it would change it too
    given = list(items)
    _split(split_items, given, seed=0)
    expect(given == items, tr("split_items changed the caller's list (it shuffled or sorted it in place): "
           "work on a copy, list(items)"),
           hint=tr("Shuffle copies: group = list(...) or sorted(...) make new lists; items.sort() and "
                   "random.shuffle(items) change the caller's."))


def test_takes_any_sequence(split_items):
    items = _items(10, 6)
    try:
        _split(split_items, tuple(items), seed=0)
    except (TypeError, AttributeError) as error:
        raise CheckFailed(tr("split_items failed on a tuple of items ({error_type}: {error}): "
                             "items may be any sequence; copy it into a list before you shuffle",
                             error_type=type(error).__name__, error=error),
                          hint=tr("list(items) makes a list of any sequence; a tuple has no .copy(), .sort() or "
                                  ".append().")) from error


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


def _arrange(function, train, val, dest, **kwargs):
    counts = function(train, val, dest, **kwargs)
    found, wanted = _tree(dest), _expected(train, val)
    if set(wanted) - set(found):
        folders = sorted({str(Path(f).parent) for f in found})
        raise CheckFailed(tr("arranging 4 cats and 3 dogs should make files such as train{os_sep}cat{os_sep}cat.1.jpg; "
                             "it made the folders {folders}: wrong folder names or layout",
                             os_sep=os.sep, folders=folders),
                          hint=tr("The layout is dest/<train or val>/<label>/<file name>, with labels 'cat' and 'dog'."))
    return counts


def _split_of(items, val_numbers):
    val = [it for it in items if int(Path(it[0]).name.split(".")[1]) in val_numbers]
    return [it for it in items if it not in val], val


def test_arrange_imagefolder_signature(arrange_imagefolder):
    expect_signature(arrange_imagefolder, "arrange_imagefolder")


def test_makes_class_folders(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    train, val = _split_of(items, {0})
    counts = _arrange(arrange_imagefolder, train, val, tmp_path / "data")
    expected = {"train": {"cat": 3, "dog": 2}, "val": {"cat": 1, "dog": 1}}
    expect(counts == expected, tr("arranging 3 + 2 training and 1 + 1 validation photos returned {counts!r}, "
           "not the counts per split and label, {expected}", counts=counts, expected=expected),
           hint=tr("Count as you go: counts[split][label] = counts[split].get(label, 0) + 1."))


def test_links_or_copies(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    train, val = _split_of(items, {0})
    _arrange(arrange_imagefolder, train, val, tmp_path / "linked", link=True)
    for path, label in train:
        target = tmp_path / "linked" / "train" / label / Path(path).name
        expect(target.is_symlink(), tr("with link=True, train/{label}/{target_name} is not a symbolic link",
                                       label=label, target_name=target.name),
               hint=tr("os.symlink(os.path.abspath(source), target) makes a symbolic link; os.link and shutil.copy do not."))
        expect(target.exists() and target.resolve() == Path(path).resolve(),
               tr("with link=True, the link train/{label}/{target_name} does not lead to its source {path}",
                  label=label, target_name=target.name, path=path),
               hint=tr("Link to the source's absolute path: os.symlink(os.path.abspath(source), target)."))
    _arrange(arrange_imagefolder, train, val, tmp_path / "copied", link=False)
    for path, label in val:
        target = tmp_path / "copied" / "val" / label / Path(path).name
        expect(not target.is_symlink() and target.read_bytes() == Path(path).read_bytes(),
               tr("with link=False, val/{label}/{target_name} is a symbolic link, not a copy: link=False means "
                  "copies", label=label, target_name=target.name) if target.is_symlink() else
               tr("with link=False, val/{label}/{target_name} is not a copy of its source: link=False means copies",
                  label=label, target_name=target.name),
               hint=tr("if link: os.symlink(...) else: shutil.copy2(source, target)."))


def test_copies_where_links_are_not_allowed(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    train, val = _split_of(items, {0})

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, tr("symbolic links are not allowed here (a pretend Windows without developer mode)"))

    saved = os.symlink
    os.symlink = no_links  # Path.symlink_to calls it too
    try:
        try:
            arrange_imagefolder(train, val, tmp_path / "data", link=True)
        except OSError as error:
            raise CheckFailed(tr("with link=True on a pretend machine where symbolic links are not allowed, "
                                 "arrange_imagefolder raised {error_type} ({error}): copy the file instead",
                                 error_type=type(error).__name__, error=error),
                              hint=tr("try: os.symlink(...) except OSError: shutil.copy2(source, target).")) from error
    finally:
        os.symlink = saved
    missing = sorted(set(_expected(train, val)) - set(_tree(tmp_path / "data")))
    expect(not missing, tr("with link=True where symbolic links are not allowed, {missing_0} "
           "is missing: copy each file whose link failed", missing_0=missing[0] if missing else ''),
           hint=tr("try: os.symlink(...) except OSError: shutil.copy2(source, target), for every file."))


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
    expect(not broken, tr("with source paths relative to the working folder (photos/cat.0.jpg...), the links are "
           "broken ({broken_0}): a relative link is read from the link's own folder", broken_0=broken[0] if broken else ''),
           hint=tr("Link to os.path.abspath(path): a link holding 'photos/cat.0.jpg' looks for it next to itself, "
                   "in data/train/cat/photos/."))


def test_runs_again(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    train, val = _split_of(items, {0})
    _arrange(arrange_imagefolder, train, val, tmp_path / "data")
    first = _tree(tmp_path / "data")
    try:
        _arrange(arrange_imagefolder, train, val, tmp_path / "data")
    except FileExistsError as error:
        raise CheckFailed(tr("running it a second time with the same split raised FileExistsError: "
                             "clear the old train/ and val/ folders first"),
                          hint=tr("shutil.rmtree(dest / 'train') when it exists, and the same for val.")) from error
    expect(_tree(tmp_path / "data") == first, tr("running it twice with the same split gave another tree the second time"),
           hint=tr("Empty dest/train and dest/val first, then lay out the split: each run then makes the same tree."))


def test_replaces_an_older_split(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    _arrange(arrange_imagefolder, *_split_of(items, {0}), tmp_path / "data")
    train, val = _split_of(items, {1, 2})
    try:
        _arrange(arrange_imagefolder, train, val, tmp_path / "data")
    except FileExistsError as error:
        raise CheckFailed(tr("arranging a second split into the same folder raised FileExistsError: clear the old "
                             "train/ and val/ first"), hint=tr("shutil.rmtree(dest / 'train') when it exists, and the "
                          "same for val.")) from error
    left = sorted(set(_tree(tmp_path / "data")) - set(_expected(train, val)))
    expect(not left, tr("after arranging another split, {left_0} from the first split is still there: "
           "it leaves files of an older split; empty train/ and val/ first", left_0=left[0] if left else ''),
           hint=tr("shutil.rmtree removes a folder with its links (never the files they point to)."))


def test_leaves_the_sources_alone(arrange_imagefolder, tmp_path):
    # The photos sit in dest/photos: arranging into dest must not touch them, nor anything but train/ and val/.
    items = _sources(tmp_path / "data" / "photos")
    for link, val_numbers in ((True, {0}), (False, {1, 2})):  # links, then copies of another split over them
        try:
            arrange_imagefolder(*_split_of(items, val_numbers), tmp_path / "data", link=link)
        except Exception:
            pass  # another check says what is wrong with that
        for path, label in items:
            path = Path(path)
            expect(path.exists() and not path.is_symlink(),
                   tr("with the photos in dest/photos, arranging into dest (link={link}) removed or moved the "
                      "source {path_name}: remove only dest/train and dest/val, and link or copy, never move",
                      link=link, path_name=path.name),
                   hint=tr("shutil.rmtree(dest / 'train') and (dest / 'val'), never dest itself; "
                           "os.symlink or shutil.copy2 leave the source where it is."))
            expect(path.read_bytes() == f"not really a jpeg: {label} {path.name.split('.')[1]}".encode(),
                   tr("arranging into dest changed the source file {path_name}: never write to the sources",
                      path_name=path.name),
                   hint=tr("Write only to the targets under dest/train and dest/val."))


def test_counts_each_call(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    train, val = _split_of(items, {1, 2})
    try:
        arrange_imagefolder(*_split_of(items, {0}), tmp_path / "first")
        counts = arrange_imagefolder(train, val, tmp_path / "second")
    except Exception:
        return  # the checks of one call say what is wrong
    expected = {"train": {"cat": 2, "dog": 1}, "val": {"cat": 2, "dog": 2}}
    if not isinstance(counts, dict) or not all(isinstance(v, dict) for v in counts.values()) or counts == expected:
        return  # test_makes_class_folders judges what one call returns
    added = all(isinstance(counts.get(split), dict) and counts[split].get(label, 0) >= n
                for split, labels in expected.items() for label, n in labels.items())
    raise CheckFailed(tr("called a second time, with another split and another dest, arrange_imagefolder returned "
                         "{counts}, not {expected}: the counts of the calls before were added in; start the counts "
                         "afresh at each call", counts=counts, expected=expected) if added else
                      tr("called a second time, with another split and another dest, arrange_imagefolder returned "
                         "{counts}, not {expected}", counts=counts, expected=expected),
                      hint=tr("Make the counts dict inside the function, counts = {{}}, not at the top of the file or "
                              "as a default argument."))


def test_replaces_a_split_with_other_labels(arrange_imagefolder, tmp_path):
    items = _sources(tmp_path / "photos")
    cats = [item for item in items if item[1] == "cat"]
    train, val = [item for item in items if item not in cats[:2]], cats[:2]  # val holds no dog
    try:
        _arrange(arrange_imagefolder, *_split_of(items, {0}), tmp_path / "data")  # val holds a cat and a dog
        arrange_imagefolder(train, val, tmp_path / "data")
    except Exception:
        return  # test_runs_again and test_replaces_an_older_split say what is wrong
    left = sorted(set(_tree(tmp_path / "data")) - set(_expected(train, val)))
    if any(Path(name).parts[:2] != ("val", "dog") for name in left):
        return  # old files left in the folders the new split uses too: test_replaces_an_older_split says so
    expect(not left, tr("after arranging a split whose val holds no dog over one whose val held one, {left_0} from "
           "the first split is still there: it clears only the class folders the new split uses; empty train/ and "
           "val/ as a whole", left_0=left[0] if left else ''),
           hint=tr("shutil.rmtree(dest / 'train') and shutil.rmtree(dest / 'val'), whatever labels the new split has."))
