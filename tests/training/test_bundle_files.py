"""The model bundle: one file with weights, class names, size and normalization."""
import pytest
import torch
from PIL import Image

from catdog_lib.train.bundle import load_bundle, save_bundle
from catdog_lib.train.checkpoint import save_checkpoint
from catdog_lib.errors import CatdogError
from catdog_lib.model import build_model
from catdog_lib.prediction import predict_image


@pytest.fixture(scope="module")
def resnet():
    torch.manual_seed(3)
    return build_model(num_classes=2, weights=None).eval()


def test_round_trip(tmp_path, resnet):
    path = save_bundle(tmp_path / "model.pt", resnet, ["cat", "dog"], 64, extra={"val_acc": 0.75, "history": {"lr": [0.1]}})
    model, info = load_bundle(path)
    assert info["class_names"] == ["cat", "dog"] and info["size"] == 64 and info["arch"] == "resnet18"
    assert info["mean"] == pytest.approx([0.485, 0.456, 0.406]) and info["std"] == pytest.approx([0.229, 0.224, 0.225])
    assert info["extra"] == {"val_acc": 0.75, "history": {"lr": [0.1]}}
    assert not model.training
    for name, tensor in resnet.state_dict().items():
        assert torch.equal(model.state_dict()[name], tensor), name
    photo = Image.new("RGB", (80, 60), (200, 120, 40))
    assert predict_image(model, photo, ["cat", "dog"], size=64) == predict_image(resnet, photo, ["cat", "dog"], size=64)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_a_missing_bundle(tmp_path):
    with pytest.raises(CatdogError, match="no model at .*catdog train"):
        load_bundle(tmp_path / "nothing.pt")


def test_a_folder_is_not_a_bundle(tmp_path, resnet):
    save_bundle(tmp_path / "model.pt", resnet, ["cat", "dog"], 32)
    with pytest.raises(CatdogError, match="is a folder.*did you mean its model.pt"):
        load_bundle(tmp_path)


@pytest.mark.parametrize("cut", [0, 100, "half"])
def test_a_damaged_bundle(tmp_path, resnet, cut):
    path = save_bundle(tmp_path / "model.pt", resnet, ["cat", "dog"], 32)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if cut == "half" else data[:cut])
    with pytest.raises(CatdogError, match="not a readable model bundle"):
        load_bundle(path)


def test_other_files_are_named_for_what_they_are(tmp_path, resnet):
    torch.save(resnet.state_dict(), tmp_path / "weights.pt")
    with pytest.raises(CatdogError, match="bare weights .*not a model bundle"):
        load_bundle(tmp_path / "weights.pt")
    save_checkpoint(tmp_path / "checkpoint.pt", {"epoch": 1, "model": {}, "optimizer": {}})
    with pytest.raises(CatdogError, match="a training checkpoint, not a model bundle"):
        load_bundle(tmp_path / "checkpoint.pt")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CatdogError, match="not a readable model bundle"):
        load_bundle(tmp_path / "notes.txt")


def test_weights_of_another_shape(tmp_path, resnet):
    path = save_bundle(tmp_path / "model.pt", resnet, ["cat", "dog", "fox"], 32)  # 2 outputs, 3 names
    with pytest.raises(CatdogError, match="do not fit a ResNet18 with 3 classes"):
        load_bundle(path)
