"""Kaggle Notebooks: finding the attached photos and an earlier lesson's pieces in a stand-in /kaggle.

The whole path (clone, install, lessons 02 and 05 across two notebooks) is
tests/e2e/test_course_in_kaggle.py.
"""
import os
import zipfile

import pytest

from catdog_lib.notebook import kaggle_kernel
from catdog_lib.notebook.kaggle_kernel import attached_photos, bring_back_pieces, earlier_pieces, in_kaggle_kernel


@pytest.fixture
def kaggle(tmp_path, monkeypatch):
    root = tmp_path / "kaggle"
    for sub in ("input", "working", "temp"):
        (root / sub).mkdir(parents=True)
    monkeypatch.setenv("CATDOG_KAGGLE_ROOT", str(root))
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    return root


def test_a_kaggle_kernel_is_told_by_its_variable_and_its_input_folder(kaggle, monkeypatch):
    assert in_kaggle_kernel()
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    assert not in_kaggle_kernel()  # a /kaggle folder alone (a laptop's copy) is no Kaggle kernel
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Batch")
    monkeypatch.setenv("CATDOG_KAGGLE_ROOT", str(kaggle / "nowhere"))
    assert not in_kaggle_kernel()


def test_the_competition_as_kaggle_attaches_it_gives_its_train_zip(kaggle):
    competition = kaggle / "input" / "dogs-vs-cats"
    competition.mkdir()
    for name in ("test1.zip", "train.zip"):
        with zipfile.ZipFile(competition / name, "w") as z:
            z.writestr(f"{name[:-4]}/cat.1.jpg", b"x")
    (competition / "sampleSubmission.csv").write_text("id,label\n")
    assert attached_photos() == competition / "train.zip"


def test_an_unzipped_copy_wins_over_a_zip_and_test_photos_are_never_taken(kaggle):
    assert attached_photos() is None
    (kaggle / "input" / "dogs-vs-cats").mkdir()
    with zipfile.ZipFile(kaggle / "input" / "dogs-vs-cats" / "train.zip", "w") as z:
        z.writestr("train/cat.1.jpg", b"x")
    unzipped = kaggle / "input" / "my-copy" / "train" / "train"
    test = kaggle / "input" / "my-copy" / "test1" / "test1"
    for folder in (unzipped, test):
        folder.mkdir(parents=True)
    (test / "cat.1.jpg").write_bytes(b"x")
    (test / "dog.2.jpg").write_bytes(b"x")
    assert attached_photos() == kaggle / "input" / "dogs-vs-cats" / "train.zip"
    (unzipped / "cat.1.jpg").write_bytes(b"x")
    (unzipped / "dog.1.jpg").write_bytes(b"x")
    assert attached_photos() == unzipped


def test_pieces_of_earlier_notebooks_come_back_and_never_overwrite(kaggle):
    older = kaggle / "input" / "lesson-02" / "catdog" / "my_pieces"
    newer = kaggle / "input" / "lesson-03" / "catdog" / "my_pieces"
    for folder, stamp in ((older, 1000), (newer, 2000)):
        folder.mkdir(parents=True)
        for name in ("split_items.py", f"only_{folder.parts[-3]}.py"):
            (folder / name).write_text(folder.parts[-3])
            os.utime(folder / name, (stamp, stamp))
    assert earlier_pieces() == [older, newer]
    workspace = kaggle / "working" / "catdog" / "my_pieces"
    workspace.mkdir(parents=True)
    (workspace / "mine.py").write_text("here")
    copied = bring_back_pieces(workspace, earlier_pieces())
    assert sorted(copied) == ["only_lesson-02.py", "only_lesson-03.py", "split_items.py"]
    assert (workspace / "split_items.py").read_text() == "lesson-03"  # the newest notebook's
    assert (workspace / "mine.py").read_text() == "here"
    assert bring_back_pieces(workspace, earlier_pieces()) == []


def test_start_says_where_the_photos_come_from_and_how_pieces_carry(kaggle, tmp_path, monkeypatch):
    for name in ("CATDOG_DATA", "CATDOG_WORKSPACE", "CATDOG_RUNS"):
        monkeypatch.setenv(name, "")  # recorded, so what start_kaggle_lesson sets is undone after the test
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    installed, said = [], []
    kaggle_kernel.start_kaggle_lesson(tmp_path, installed.append, said.append)
    assert installed == [tmp_path]
    assert "no Dogs vs. Cats photos attached: click Add Input" in said[0] and "Save Version" in said[-1]
    assert os.environ["CATDOG_WORKSPACE"] == str(kaggle / "working" / "catdog" / "my_pieces")
    assert "CATDOG_DATA" not in os.environ
