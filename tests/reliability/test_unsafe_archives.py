"""Archives: killed mid-extraction, entries that clash, an evil zip inside a good one.

tests/data/test_archives.py covers ``../`` and absolute entries, links,
corrupt and truncated archives and a leftover partial folder. Here: real
SIGKILLs during an extraction (the target is always the old archive's files
or the new one's, never a mix), entries the disk cannot take (a file and a
folder of one name, a name too long), and the Kaggle-style zip whose inner
``train.zip`` holds a ``../`` entry, through ``prepare``.
"""
import io
import multiprocessing
import os
import random
import time
import zipfile

import pytest

from catdog_lib.prepare.archives import safe_extract
from catdog_lib.errors import CatdogError

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (Linux, macOS)")


def make_zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def contents(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(parent):
    return [p.name for p in parent.iterdir() if ".partial" in p.name]


def own_progress_lock():
    """In a forked child: a lock of its own for the progress bars. tqdm shares one multiprocessing lock
    with every fork, and a child killed while it holds it would block this process's next bar forever."""
    import threading

    import tqdm.auto
    import tqdm.std

    for cls in {tqdm.std.tqdm, tqdm.auto.tqdm}:
        cls.set_lock(threading.RLock())


def extract(archive, dest):
    own_progress_lock()
    safe_extract(archive, dest)


@needs_fork
def test_kills_during_an_extraction_leave_the_old_files_or_the_new_never_a_mix(tmp_path):
    rng = random.Random(3)
    new_entries = {f"train/cat.{i}.jpg": rng.randbytes(200_000) for i in range(60)}  # 12 MB
    archive = tmp_path / "new.zip"
    archive.write_bytes(make_zip(new_entries))
    old = tmp_path / "old.zip"
    old.write_bytes(make_zip({"train/dog.1.jpg": b"old photo"}))
    dest = tmp_path / "raw"

    began = time.perf_counter()
    safe_extract(archive, tmp_path / "timing")
    duration = time.perf_counter() - began

    safe_extract(old, dest)
    old_files = contents(dest)
    fork = multiprocessing.get_context("fork")
    cut_midway = 0
    for _ in range(5):
        child = fork.Process(target=extract, args=(archive, dest), daemon=True)
        child.start()
        time.sleep(rng.uniform(0.05, 0.9) * duration)
        if not child.is_alive():
            child.join()
            break
        os.kill(child.pid, 9)
        child.join()
        cut_midway += bool(leftovers(tmp_path))
        assert contents(dest) in (old_files, new_entries)  # all or nothing
    assert cut_midway >= 1, "no kill landed during the extraction: the test proved nothing"

    safe_extract(archive, dest)  # the next run redoes it, and clears what the killed ones left
    assert contents(dest) == new_entries
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("entries, words", [
    ({"a": b"x", "a/b": b"y"}, "a file and a folder in the archive have that name"),
    ({"a/b": b"y", "a": b"x"}, "a file and a folder in the archive have that name"),
    ({"x" * 300 + ".jpg": b"1"}, "its name is too long for this disk"),
])
def test_entries_the_disk_cannot_take_get_one_sentence(tmp_path, entries, words):
    archive = tmp_path / "odd.zip"
    archive.write_bytes(make_zip(entries))
    with pytest.raises(CatdogError) as info:
        safe_extract(archive, tmp_path / "out")
    message = str(info.value)
    assert words in message and "odd.zip" in message and "\n" not in message and len(message) < 400
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_an_evil_train_zip_inside_a_good_competition_zip_is_refused(tmp_path, photos_dir):
    """Kaggle's zip holds train.zip: the inner archive is checked as strictly as the outer one."""
    from catdog_lib.prepare import prepare
    from helpers import photo_path

    photo = photo_path(photos_dir, "cat", 1).read_bytes()
    inner = make_zip({"train/cat.1.jpg": photo, "train/../../../escaped.jpg": photo})
    upload = tmp_path / "dogs-vs-cats.zip"
    upload.write_bytes(make_zip({"sampleSubmission.csv": b"id,label\n", "train.zip": inner}))
    work = tmp_path / "work"
    with pytest.raises(CatdogError, match="would land outside the target folder"):
        prepare(source="folder", from_dir=upload, dest=work / "data", report=lambda line: None)
    everything = sorted(p.name for p in tmp_path.rglob("*"))
    assert "escaped.jpg" not in everything
    assert not (work / "data" / "raw" / ".complete").exists()


def prepare_quietly(upload, dest):
    from catdog_lib.prepare import prepare

    own_progress_lock()

    prepare(source="folder", from_dir=upload, dest=dest, report=lambda line: None)


@needs_fork
def test_a_killed_prepare_of_an_uploaded_zip_is_redone_from_the_start(tmp_path, photos_dir):
    """Killed while unpacking or indexing, before the marker of a finished unpack: the next run does it all."""
    from catdog_lib.prepare import prepare
    from helpers import photo_items

    photos = {f"train/{path.name}": path.read_bytes() for path, _ in photo_items(photos_dir, 20)}
    photos.update({f"train/padding.{i}.bin": os.urandom(300_000) for i in range(20)})  # a slower unpack
    upload = tmp_path / "photos.zip"
    upload.write_bytes(make_zip(photos))
    dest = tmp_path / "data"
    rng = random.Random(4)
    fork = multiprocessing.get_context("fork")
    for _ in range(3):
        child = fork.Process(target=prepare_quietly, args=(upload, dest), daemon=True)
        child.start()
        time.sleep(rng.uniform(0.01, 0.3))
        os.kill(child.pid, 9)
        child.join()
    lines = []
    prepared = prepare(source="folder", from_dir=upload, dest=dest, report=lines.append)
    assert sum(sum(c.values()) for c in prepared.counts.values()) == 40
    assert sorted(p.name for p in (dest / "raw" / "train").iterdir() if p.suffix == ".jpg") == \
        sorted(name.split("/")[1] for name in photos if name.endswith(".jpg"))
    assert leftovers(dest) == []
