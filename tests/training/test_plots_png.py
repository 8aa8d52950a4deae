"""Each plot draws and saves to PNG; the numbers behind them are right."""
import numpy as np
import pytest
import torch
from PIL import Image

from catdog_lib import plots

CLASSES = ["cat", "dog"]


def saved(figure, path):
    from matplotlib.figure import Figure

    assert isinstance(figure, Figure)
    figure.savefig(path, dpi=60)
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 200 and image.height > 100
    return path


def test_no_plot_is_left_open_in_pyplot(tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.plot_lr_schedule([0.1, 0.1, 0.01])
    assert plt.get_fignums() == before  # a notebook shows each figure once, as the cell's value


def test_show_batch(tmp_path):
    images = torch.randn(10, 3, 32, 32)
    labels = torch.tensor([0, 1] * 5)
    figure = plots.show_batch(images, labels, CLASSES, ncols=5)
    assert len([ax for ax in figure.axes if ax.images]) == 10
    assert [ax.get_title() for ax in figure.axes[:2]] == ["cat", "dog"]
    saved(figure, tmp_path / "batch.png")


def test_denormalize_undoes_the_normalization():
    from torchvision import transforms

    picture = torch.rand(3, 8, 8)
    normalized = transforms.Normalize(plots.IMAGENET_MEAN, plots.IMAGENET_STD)(picture)
    assert np.allclose(plots.denormalize(normalized), picture.permute(1, 2, 0).numpy(), atol=1e-6)


def test_plot_history(tmp_path):
    history = {"train_loss": [0.7, 0.5, 0.4], "train_acc": [0.5, 0.7, 0.8], "val_loss": [0.6, 0.5, 0.55],
               "val_acc": [0.6, 0.75, 0.7], "lr": [0.01, 0.01, 0.001]}
    figure = plots.plot_history(history)
    assert [ax.get_title() for ax in figure.axes] == [
        "loss", "accuracy (best val 75.0%, epoch 2)", "learning rate (of each training pass)"]
    assert list(figure.axes[1].lines[1].get_ydata()) == [0.6, 0.75, 0.7]
    saved(figure, tmp_path / "curves.png")


def test_confusion_matrix_counts_and_shares(tmp_path):
    y_true = [0, 0, 0, 0, 1, 1]
    y_pred = [0, 0, 0, 1, 1, 0]
    assert plots.confusion_counts(y_true, y_pred, 2).tolist() == [[3, 1], [1, 1]]
    figure = plots.plot_confusion_matrix(y_true, y_pred, CLASSES)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts == ["3\n75.0%", "1\n25.0%", "1\n50.0%", "1\n50.0%"]
    assert "66.7%" in figure.axes[0].get_title()
    saved(figure, tmp_path / "confusion.png")


def test_top_losses_shows_the_worst_first(tmp_path):
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.05, 0.95], [0.6, 0.4]])
    y_true = [0, 1, 0, 1]  # sample 2 is the most confident mistake, then sample 3
    images = [Image.new("RGB", (40, 30), color) for color in ("red", "green", "blue", "gray")]
    figure = plots.plot_top_losses(images, y_true, probs, CLASSES, k=2)
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles[0].startswith("true cat / predicted dog\np(dog) = 0.95") and titles[1].startswith("true dog / predicted cat")
    saved(figure, tmp_path / "top_losses.png")


def test_top_losses_from_paths_and_tensors(tmp_path):
    path = tmp_path / "a.jpg"
    Image.new("RGB", (40, 30), "orange").save(path)
    figure = plots.plot_top_losses([path, torch.zeros(3, 16, 16)], [0, 1], [[0.3, 0.7], [0.5, 0.5]], CLASSES)
    saved(figure, tmp_path / "top_losses_mixed.png")
    shown = [ax for ax in figure.axes if ax.get_images()]
    assert len(shown) == 2, "one panel per image, from a path and from a tensor alike"
    assert shown[0].get_title().startswith("true cat / predicted dog")  # loss 1.20 before 0.69
    photo = shown[0].get_images()[0].get_array()
    assert photo.shape[:2] == (30, 40) and photo[0, 0, 0] > photo[0, 0, 2], "the orange photo, read from its path"


def test_lr_schedule_and_probabilities(tmp_path):
    saved(plots.plot_lr_schedule([0.1] * 7 + [0.01] * 7), tmp_path / "lr.png")
    figure = plots.plot_probabilities(Image.new("RGB", (60, 40), "white"), {"cat": 0.2, "dog": 0.8})
    assert figure.axes[1].get_title() == "dog (80.0%)"
    saved(figure, tmp_path / "probabilities.png")


def test_evaluate_predictions():
    from tiny_run import synthetic_loaders, tiny_model

    loader = synthetic_loaders()["val"]
    model = tiny_model()
    y_true, y_pred, probs, losses = plots.evaluate_predictions(model, loader, "cpu")
    assert len(y_true) == len(y_pred) == len(probs) == len(losses) == 32
    assert y_true.tolist() == [i % 2 for i in range(32)]  # the loader's order
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert (y_pred == probs.argmax(axis=1)).all()
    expected = torch.nn.functional.cross_entropy(model(loader.dataset.tensors[0]), loader.dataset.tensors[1],
                                                 reduction="none").detach().numpy()
    assert np.allclose(losses, expected, atol=1e-5)

