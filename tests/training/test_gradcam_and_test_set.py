"""Grad-CAM points at the evidence; the heat-map and prediction grids draw; the test set is read and reported."""
import os

import pytest
import torch
from torch import nn

from catdog_lib import plots
from catdog_lib.gradcam import grad_cam


class PatchModel(nn.Module):
    """A model whose only evidence for class 1 is brightness: ``layer4`` is a 1 x 1 conv, then the mean, then fc."""

    def __init__(self):
        super().__init__()
        self.layer4 = nn.Conv2d(3, 1, 1, bias=False)
        nn.init.constant_(self.layer4.weight, 1.0)
        self.fc = nn.Linear(1, 2, bias=False)
        with torch.no_grad():
            self.fc.weight.copy_(torch.tensor([[-1.0], [1.0]]))

    def forward(self, x):
        return self.fc(self.layer4(x).mean(dim=(2, 3)))


def test_the_heat_is_where_the_evidence_is():
    model = PatchModel()
    images = torch.zeros(2, 3, 16, 16)
    images[0, :, :4, :4] = 1.0  # a bright patch top left
    images[1, :, 12:, 12:] = 1.0  # and bottom right
    maps, target = grad_cam(model, images)
    assert maps.shape == (2, 16, 16) and target.tolist() == [1, 1]
    assert float(maps.min()) >= 0 and float(maps.max()) == pytest.approx(1.0)
    assert maps[0, :4, :4].mean() > 0.9 and maps[0, 8:, 8:].max() < 0.1
    assert maps[1, 12:, 12:].mean() > 0.9 and maps[1, :8, :8].max() < 0.1
    # Explaining class 0 instead: brightness speaks against it, so nothing is hot.
    maps, target = grad_cam(model, images, target=[0, 0])
    assert target.tolist() == [0, 0] and float(maps.max()) == 0.0


def test_grad_cam_on_a_resnet18_leaves_the_model_as_it_was():
    from torchvision import models

    torch.manual_seed(0)
    model = models.resnet18(weights=None, num_classes=2).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    maps, target = grad_cam(model, torch.randn(3, 3, 64, 64))
    assert maps.shape == (3, 64, 64) and len(target) == 3
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not model.training  # explained in eval mode, and left there


def test_the_heat_map_and_prediction_grids_draw(tmp_path):
    images = torch.randn(5, 3, 32, 32)
    heat = plots.plot_heatmaps(images, torch.rand(5, 32, 32), [f"photo {i}" for i in range(5)],
                               colors=["black", "tab:red", "black", "black", "black"], ncols=3)
    drawn = [ax for ax in heat.axes if ax.images]
    assert len(drawn) == 5 and all(len(ax.images) == 2 for ax in drawn)  # the photo and its heat map over it
    assert drawn[1].get_title() == "photo 1"
    heat.savefig(tmp_path / "heat.png", dpi=50)

    probs = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    grid = plots.plot_predictions(images[:3], [0, 0, 1], probs, ["cat", "dog"])
    titles = [ax.get_title() for ax in grid.axes if ax.images]
    assert titles[0].startswith("cat 90%") and "dog 80%" in titles[1] and "(true: cat)" in titles[1]
    assert [ax.title.get_color() for ax in grid.axes if ax.images][1] == "tab:red"
    grid.savefig(tmp_path / "grid.png", dpi=50)


def test_test_loader_reads_test_and_refuses_other_classes(tmp_path, tiny_imagefolder):
    from catdog_lib.errors import CatdogError
    from catdog_lib.train.evaluate import test_loader
    from catdog_lib.transforms import build_transforms

    transform = build_transforms(train=False, size=32)
    assert test_loader(tiny_imagefolder, transform) is None  # no test/: no test set
    data = tmp_path / "data"
    for part in ("train", "val"):
        os.symlink(tiny_imagefolder / part, data / part) if data.exists() else (data.mkdir(), os.symlink(
            tiny_imagefolder / part, data / part))
    for label in ("cat", "dog"):
        (data / "test" / label).mkdir(parents=True)
        for photo in sorted((tiny_imagefolder / "val" / label).iterdir())[:2]:
            os.symlink(os.path.realpath(photo), data / "test" / label / photo.name)
    loader = test_loader(data, transform, class_names=["cat", "dog"])
    assert len(loader.dataset) == 4 and loader.dataset.classes == ["cat", "dog"]
    with pytest.raises(CatdogError, match="classes"):
        test_loader(data, transform, class_names=["cat", "dog", "horse"])


def test_catdog_train_reports_the_test_accuracy(tmp_path, capsys, photos_dir, monkeypatch):
    from catdog_lib.cli import main

    monkeypatch.delenv("CATDOG_DATA", raising=False)
    data = tmp_path / "data"
    assert main(["prepare", "--source", "sample", "--dest", str(data), "--test-fraction", "0.1"]) == 0
    assert sorted(p.name for p in (data / "test").iterdir()) == ["cat", "dog"]
    capsys.readouterr()
    assert main(["train", "--data", str(data), "--epochs", "1", "--size", "64", "--batch-size", "16",
                 "--weights", "none", "--workers", "0", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("test accuracy"))
    assert "on 10 held-out photos" in line and "val accuracy of the chosen epoch" in line
