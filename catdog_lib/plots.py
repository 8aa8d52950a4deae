"""Pictures of the data, the training and the mistakes (matplotlib).

Each function returns a matplotlib ``Figure``: a notebook shows it when it
is the cell's last value, a script saves it with ``fig.savefig("x.png")``.
We close each figure in pyplot's registry before returning it, so that a
notebook shows it once (not once from pyplot and once as the cell's value)
and a long script does not pile figures up in memory.
matplotlib is imported inside the functions: ``import catdog_lib`` stays quick.
"""
import math

import numpy as np
import torch

from .train.evaluate import evaluate_predictions  # noqa: F401  (lesson 05 imports it from here)
from .train.evaluate import per_sample_losses
from .transforms import IMAGENET_MEAN, IMAGENET_STD


def _new_figure(nrows=1, ncols=1, **kwargs):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, squeeze=False, **kwargs)
    plt.close(fig)  # ours to return, not pyplot's to show
    return fig, axes


def denormalize(image, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """A normalized ``3 x H x W`` tensor back to an ``H x W x 3`` array in [0, 1], for showing."""
    image = image.detach().cpu().float()
    mean = torch.tensor(mean).view(3, 1, 1)
    std = torch.tensor(std).view(3, 1, 1)
    return (image * std + mean).clamp(0, 1).permute(1, 2, 0).numpy()


def _as_picture(item, mean, std):
    """A tensor, a PIL image or a path, as something ``imshow`` shows."""
    from PIL import Image, ImageOps

    if torch.is_tensor(item):
        return denormalize(item, mean, std)
    if isinstance(item, Image.Image):
        return item.convert("RGB")
    with Image.open(item) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def _grid(count, ncols):
    ncols = max(1, min(ncols, count))
    return math.ceil(count / ncols), ncols


def show_batch(images, labels, class_names, mean=IMAGENET_MEAN, std=IMAGENET_STD, ncols=8):
    """A grid of a batch of normalized image tensors, each titled with its label.

    The tensors are what the model sees: normalized, so we undo the
    normalization (times std, plus mean) to show their colours.
    """
    count = len(images)
    nrows, ncols = _grid(count, ncols)
    fig, axes = _new_figure(nrows, ncols, figsize=(1.8 * ncols, 2.0 * nrows))
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < count:
            ax.imshow(_as_picture(images[index], mean, std))
            ax.set_title(class_names[int(labels[index])], fontsize=10)
    fig.tight_layout()
    return fig


def plot_history(history):
    """Loss and accuracy per epoch, training against validation, and the learning rate.

    Training loss falling while validation loss rises means overfitting: the
    model learns the training photos, not cats and dogs.
    """
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    has_lr = bool(history.get("lr"))
    fig, axes = _new_figure(1, 3 if has_lr else 2, figsize=(13 if has_lr else 9, 3.6))
    panels = [("loss", "train_loss", "val_loss"), ("accuracy", "train_acc", "val_acc")]
    for ax, (title, train_key, val_key) in zip(axes[0], panels):
        ax.plot(epochs, history[train_key], "o-", label="train")
        ax.plot(epochs, history[val_key], "s-", label="val")
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.legend()
        ax.grid(alpha=0.3)
    if len(history["val_acc"]):
        best = int(np.argmax(history["val_acc"]))
        axes[0][1].plot(epochs[best], history["val_acc"][best], "*", color="tab:red", markersize=14, zorder=3)
        axes[0][1].set_title(f"accuracy (best val {history['val_acc'][best]:.1%}, epoch {best + 1})")
    if has_lr:
        ax = axes[0][2]
        ax.plot(epochs, history["lr"], "o-", color="tab:green", drawstyle="steps-post")
        ax.set_title("learning rate (of each training pass)")
        ax.set_xlabel("epoch")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    from matplotlib.ticker import MaxNLocator

    for ax in axes[0]:
        if len(epochs) <= 12:  # one tick per epoch: no "epoch 0.96" on a short run
            ax.set_xticks(epochs)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def plot_lr_schedule(lrs):
    """The learning rate at each step (epoch or batch) of a schedule."""
    fig, axes = _new_figure(figsize=(6, 3.2))
    ax = axes[0][0]
    ax.plot(np.arange(1, len(lrs) + 1), lrs, "o-" if len(lrs) <= 40 else "-", color="tab:green",
            drawstyle="steps-post")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("learning rate schedule")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def confusion_counts(y_true, y_pred, num_classes):
    """A ``num_classes x num_classes`` array: row = true class, column = predicted class."""
    counts = np.zeros((num_classes, num_classes), dtype=int)
    for t, p in zip(np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)):
        counts[t, p] += 1
    return counts


def plot_confusion_matrix(y_true, y_pred, class_names):
    """The confusion matrix: how many photos of each true class got each prediction.

    The diagonal holds the right answers. Each cell shows the count and its
    share of that row (of all the photos of that true class).
    """
    counts = confusion_counts(y_true, y_pred, len(class_names))
    row_totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, row_totals, out=np.zeros(counts.shape), where=row_totals > 0)
    n = len(class_names)
    fig, axes = _new_figure(figsize=(1.6 * n + 2.4, 1.4 * n + 1.6))
    ax = axes[0][0]
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), class_names)
    ax.set_yticks(range(n), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(counts) / max(1, counts.sum())
    ax.set_title(f"confusion matrix (accuracy {accuracy:.1%})")
    for t in range(n):
        for p in range(n):
            color = "white" if shares[t, p] > 0.5 else "black"
            ax.text(p, t, f"{counts[t, p]}\n{shares[t, p]:.1%}", ha="center", va="center",
                    color=color, fontsize=12)
    fig.tight_layout()
    return fig


def plot_top_losses(images_or_paths, y_true, probs, class_names, k=9, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """The ``k`` images the model got most wrong: the highest loss first.

    Each is titled ``true / predicted (probability)`` and its loss. High
    losses are confident mistakes; they often show mislabelled photos, or
    photos where the animal is tiny, cut off or not there at all.
    ``images_or_paths`` holds normalized tensors, PIL images or file paths.
    """
    probs = np.asarray(probs, dtype=float)
    y_true = np.asarray(y_true, dtype=int)
    losses = per_sample_losses(y_true, probs)
    order = np.argsort(-losses)[:k]
    nrows, ncols = _grid(len(order), 3)
    fig, axes = _new_figure(nrows, ncols, figsize=(3.2 * ncols, 3.7 * nrows + 0.4))
    for ax in axes.flat:
        ax.axis("off")
    for ax, index in zip(axes.flat, order):
        predicted = int(probs[index].argmax())
        ax.imshow(_as_picture(images_or_paths[index], mean, std))
        wrong = predicted != y_true[index]
        ax.set_title(f"true {class_names[y_true[index]]} / predicted {class_names[predicted]}\n"
                     f"p({class_names[predicted]}) = {probs[index][predicted]:.2f}, loss {losses[index]:.2f}",
                     fontsize=10, color="tab:red" if wrong else "black", pad=4)
    fig.suptitle("top losses: the photos the model got most wrong", fontsize=12)
    fig.tight_layout()
    return fig


def plot_probabilities(image, probs):
    """The photo beside a horizontal bar of each class's probability (``probs``: ``{class: p}``)."""
    fig, axes = _new_figure(1, 2, figsize=(8, 3.4), gridspec_kw={"width_ratios": [1, 1.3]})
    photo_ax, bar_ax = axes[0]
    photo_ax.imshow(_as_picture(image, IMAGENET_MEAN, IMAGENET_STD))
    photo_ax.axis("off")
    names = list(probs)
    values = [float(probs[name]) for name in names]
    best = int(np.argmax(values))
    colors = ["tab:orange" if i == best else "tab:gray" for i in range(len(names))]
    bars = bar_ax.barh(names, values, color=colors)
    bar_ax.set_xlim(0, 1)
    bar_ax.invert_yaxis()  # the first class on top
    bar_ax.set_xlabel("probability")
    bar_ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    for bar, value in zip(bars, values):
        inside = value > 0.75  # a long bar holds its label; a short one has it just after its end
        bar_ax.text(value - 0.02 if inside else value + 0.02, bar.get_y() + bar.get_height() / 2, f"{value:.1%}",
                    va="center", ha="right" if inside else "left", color="white" if inside else "black",
                    fontweight="bold")
    bar_ax.set_title(f"{names[best]} ({values[best]:.1%})")
    for side in ("top", "right"):
        bar_ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
