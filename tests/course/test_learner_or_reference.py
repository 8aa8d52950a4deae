"""Lesson 05's pieces: the learner's where they pass, the reference elsewhere, each reaching the others,
every call counted; and the old learner_or_reference that shipped lessons call."""
import textwrap

import pytest
import torch

import catdog_lib
from catdog_lib.course.judge import learner_or_reference
from catdog_lib.course.learner import learner_pieces
from catdog_lib.course.pieces import PIECE_NAMES
from catdog_lib.train.run import train_on_folder

RIGHT = '''def label_from_filename(path):
    name = os.path.basename(os.fspath(path))
    first = name.split(".", 1)[0].lower()
    if first not in ("cat", "dog") or name.count(".") < 2:
        raise ValueError(f"no label in {name!r}")
    return first
'''
WRONG = '''def pick_device(prefer=None):
    return "cpu"
'''

# A train_model that calls run_epoch by name from a helper of its own, and a run_epoch written another way.
TRAIN_MODEL = '''
def one_phase(model, loader, criterion, device, optimizer=None):
    return run_epoch(model, loader, criterion, device, optimizer)


def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device or next(model.parameters()).device
    history = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}
    best, best_acc = copy.deepcopy(model.state_dict()), -1.0
    for _ in range(num_epochs):
        lr = optimizer.param_groups[0]["lr"]
        trained = one_phase(model, loaders["train"], criterion, device, optimizer)
        if scheduler is not None:
            scheduler.step()
        judged = one_phase(model, loaders["val"], criterion, device)
        for key, value in zip(history, (*trained, *judged, lr)):
            history[key].append(value)
        if judged[1] > best_acc:
            best, best_acc = copy.deepcopy(model.state_dict()), judged[1]
    model.load_state_dict(best)
    return model, history
'''
RUN_EPOCH = '''
def run_epoch(model, loader, criterion, device, optimizer=None):
    model.train(optimizer is not None)
    total, right, n = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        with torch.set_grad_enabled(optimizer is not None):
            out = model(x)
            loss = criterion(out, y)
        if optimizer is not None:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total += loss.item() * len(y)
        right += (out.argmax(1) == y).sum().item()
        n += len(y)
    return total / n, right / n
'''
TRANSFORMS = '''
def build_transforms(train, size=224):
    steps = [transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip()] if train else [
        transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size)]
    return transforms.Compose([transforms.Lambda(lambda im: im.convert("RGB")), *steps, transforms.ToTensor(),
                               transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
'''


def passed(*names):
    return {name: {"status": "passed", "passed": 3, "total": 3} for name in names}


def write(workspace, **texts):
    for name, text in texts.items():
        (workspace / f"{name}.py").write_text(textwrap.dedent(text))


def test_learner_or_reference_judges_loads_and_tells(tmp_path):
    (tmp_path / "label_from_filename.py").write_text(RIGHT)
    (tmp_path / "pick_device.py").write_text(WRONG)
    namespace, table = learner_or_reference(tmp_path)

    assert sorted(namespace) == sorted(PIECE_NAMES)
    mine = namespace["label_from_filename"]
    assert mine("some/dir/Dog.7.JPG") == "dog" and mine.__wrapped__ is not catdog_lib.label_from_filename
    assert namespace["pick_device"]() == catdog_lib.pick_device()  # the reference, behind its counter

    text = str(table)
    rows = {line.split()[0]: line for line in text.splitlines()[2:-1]}
    assert "yours" in rows["label_from_filename"] and "passes all" in rows["label_from_filename"]
    assert "reference" in rows["pick_device"] and "yours does not pass yet:" in rows["pick_device"]
    assert "reference" in rows["run_epoch"] and "yours is not started" in rows["run_epoch"]
    assert text.splitlines()[-1] == f"1 of {len(PIECE_NAMES)} pieces are yours"
    assert "<table>" in table._repr_html_() and "label_from_filename" in table._repr_html_()


def test_a_learners_train_model_reaches_the_learners_run_epoch(tiny_imagefolder, tmp_path):
    from helpers import tiny_model

    write(tmp_path, train_model=TRAIN_MODEL, run_epoch=RUN_EPOCH, build_transforms=TRANSFORMS)
    pieces = learner_pieces(passed("train_model", "run_epoch", "build_transforms"), tmp_path)
    assert pieces.yours() == ["build_transforms", "run_epoch", "train_model"]
    train_on_folder(tiny_imagefolder, pieces=pieces, epochs=2, size=32, batch_size=8, lr=0.05, device="cpu",
                    model=tiny_model(), progress=False)
    assert pieces.calls["train_model"] == 1  # once, with both epochs
    assert pieces.callers["run_epoch", "train_model"] == 4  # through the learner's own helper, one_phase
    assert pieces.calls["make_loaders"] == 1 and pieces.callers["build_transforms", "make_loaders"] == 2
    rows = {row[0]: row for row in pieces.table().rows}
    assert rows["run_epoch"][1:] == ("yours", "ran (4 calls, 4 from train_model)")
    assert rows["make_loaders"][1].startswith("reference (yours is not started)")
    assert rows["build_transforms"][2] == "ran (2 calls, 2 from make_loaders)"
    assert rows["predict_image"][2] == "not called yet: it classifies the photos further down"
    assert catdog_lib.training.run_epoch is catdog_lib.run_epoch  # the library's modules are untouched


def test_the_reference_train_model_reaches_a_learners_run_epoch(tiny_imagefolder, tmp_path):
    from helpers import tiny_model

    write(tmp_path, run_epoch=RUN_EPOCH)
    pieces = learner_pieces(passed("run_epoch"), tmp_path)
    train_on_folder(tiny_imagefolder, pieces=pieces, epochs=1, size=32, batch_size=8, lr=0.05, device="cpu",
                    model=tiny_model(), progress=False)
    assert pieces.callers["run_epoch", "train_model"] == 2 and not pieces.choices["train_model"].yours


def test_a_train_model_with_its_own_passes_is_said_to_make_them(tiny_imagefolder, tmp_path):
    from helpers import tiny_model
    from helpers import TUTORIAL_TRAIN_MODEL

    write(tmp_path, train_model=TUTORIAL_TRAIN_MODEL, run_epoch=RUN_EPOCH)
    pieces = learner_pieces(passed("train_model", "run_epoch"), tmp_path)
    run = train_on_folder(tiny_imagefolder, pieces=pieces, epochs=1, size=32, batch_size=8, lr=0.05, device="cpu",
                          model=tiny_model(), progress=False)
    assert pieces.calls["run_epoch"] == 0
    assert pieces.what_ran("run_epoch") == "not called: your train_model makes its own passes over the data"
    pieces.run_epoch(run.model, run.loaders["val"], torch.nn.CrossEntropyLoss(), torch.device("cpu"))
    assert pieces.what_ran("run_epoch") == (
        "ran (1 call); never from your train_model, which makes its own passes over the data")


def test_the_fast_path_says_the_transforms_had_nothing_to_do(tmp_path):
    pieces = learner_pieces({}, tmp_path)
    pieces.note("label_from_filename", "not used: labelled by the list")
    rows = {row[0]: row for row in pieces.table(fast=True).rows}
    assert rows["make_loaders"][2].startswith("not used on the fast path") and "reference" in rows["make_loaders"][1]
    assert rows["label_from_filename"][2] == "not used: labelled by the list"
    assert pieces.table().footer == f"0 of {len(PIECE_NAMES)} pieces are yours; 0 of 10 ran here, 0 of them yours"


def test_a_piece_that_no_longer_loads_falls_back_and_says_why(tmp_path):
    (tmp_path / "label_from_filename.py").write_text("def label_from_filename(path):\n    return (\n")
    pieces = learner_pieces(passed("label_from_filename"), tmp_path)
    choice = pieces.choices["label_from_filename"]
    assert not choice.yours and choice.why.startswith("yours does not load now:")
    with pytest.raises(ValueError):
        pieces.label_from_filename("bird.1.jpg")  # the reference, still behind the counter
    assert pieces.calls["label_from_filename"] == 1
