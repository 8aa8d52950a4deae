"""Pictures of the data, the training and the mistakes (matplotlib).

Each function returns a matplotlib ``Figure``: a notebook shows it when it
is the cell's last value, a script saves it with ``fig.savefig("x.png")``.
We close each figure in pyplot's registry before returning it, so that a
notebook shows it once (not once from pyplot and once as the cell's value)
and a long script does not pile figures up in memory.
matplotlib is imported inside the functions: ``import catdog_lib`` stays quick.

Their words are the learner's language (``catdog_lib.i18n``) where a font can
draw it: Chinese needs a CJK font (``cjk_font``), which matplotlib does not
ship; without one a Chinese learner's plots keep English labels, never boxes
in place of characters (``plot_language``).
"""
import functools
import logging
import math
import re

import numpy as np
import torch

from .train.evaluate import evaluate_predictions  # noqa: F401  (lesson 05 imports it from here)
from .train.evaluate import per_sample_losses
from .i18n import language, tr
from .transforms import IMAGENET_MEAN, IMAGENET_STD

# Fonts that draw Simplified Chinese, the likeliest first: Linux (Noto, Source Han, WenQuanYi), Windows,
# macOS; then the Japanese and Traditional faces of Noto CJK (they hold the same characters, drawn a little
# differently), which is what matplotlib sees of Debian's fonts-noto-cjk collection.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC",
             "STHeiti", "Arial Unicode MS", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans")
_PROBE = "训练集验证准确率损失函数学习率轮预测"  # characters our plots draw: a font must have them all


def _draws(path, text):
    """Whether the font file at ``path`` has a glyph for every character of ``text``."""
    from matplotlib.ft2font import FT2Font

    try:
        charmap = FT2Font(str(path)).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(c) in charmap for c in text)


# Other names a font that draws Chinese may have (the probe decides); a "Last Resort" font draws boxes.
_CJK_NAME = re.compile(r"CJK|Han Sans|Han Serif|Hei|Song|Kai|Ming|WenQuanYi|Droid Sans Fallback|AR PL", re.I)


def _cjk_among(entries):
    files = {}
    for entry in entries:
        files.setdefault(entry.name, entry.fname)
    others = sorted(name for name in files if name not in CJK_FONTS and _CJK_NAME.search(name))
    for name in [name for name in CJK_FONTS if name in files] + others:
        if "last resort" not in name.lower() and _draws(files[name], _PROBE):
            return name
    return None


@functools.lru_cache(maxsize=None)
def cjk_font():
    """The name of an installed font that draws Chinese, or ``None`` (then ``cjk_font.cache_clear()`` to look again).

    First in matplotlib's font list, then among the fonts installed since
    matplotlib cached that list (an ``apt-get install`` in a running
    notebook), which it adds to the list.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _cjk_among(manager.ttflist)
    if found is None:
        known = {entry.fname for entry in manager.ttflist}
        for path in font_manager.findSystemFonts():
            if path not in known:
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    pass
        found = _cjk_among(manager.ttflist)
    return found


def use_cjk_font():
    """Let matplotlib draw Chinese, from now on: ``cjk_font()`` after the fonts it uses now; its name, or ``None``.

    matplotlib picks, for each character, the first family in ``font.family``
    that has it: Latin letters and digits stay in the usual font, Chinese
    characters come from the CJK one.
    """
    import matplotlib

    font = cjk_font()
    if font is not None and font not in matplotlib.rcParams["font.family"]:
        matplotlib.rcParams["font.family"] = [*matplotlib.rcParams["font.family"], font]
        # Most CJK fonts have no bold face: matplotlib then draws the regular one, which is right, and says so in
        # an English log line under the plot ("Failed to find font weight bold"); a learner needs no such line.
        logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return font


def plot_language():
    """The language the plots draw their words in: the learner's where a font draws it, else English.

    Pass it to ``tr`` for every word of a plot, in the library and in the
    lessons: ``ax.set_title(tr("loss", lang=plot_language()))``.
    """
    lang = language()
    if lang == "en" or use_cjk_font() is None:
        return "en"
    return lang


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
    lang = plot_language()
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    has_lr = bool(history.get("lr"))
    fig, axes = _new_figure(1, 3 if has_lr else 2, figsize=(13 if has_lr else 9, 3.6))
    panels = [(tr("loss", lang=lang), "train_loss", "val_loss"), (tr("accuracy", lang=lang), "train_acc", "val_acc")]
    for ax, (title, train_key, val_key) in zip(axes[0], panels):
        ax.plot(epochs, history[train_key], "o-", label=tr("train", lang=lang))
        ax.plot(epochs, history[val_key], "s-", label=tr("val", lang=lang))
        ax.set_title(title)
        ax.set_xlabel(tr("epoch", lang=lang))
        ax.legend()
        ax.grid(alpha=0.3)
    if len(history["val_acc"]):
        best = int(np.argmax(history["val_acc"]))
        axes[0][1].plot(epochs[best], history["val_acc"][best], "*", color="tab:red", markersize=14, zorder=3)
        axes[0][1].set_title(tr("accuracy (best val {accuracy:.1%}, epoch {epoch})", lang=lang,
                                accuracy=history["val_acc"][best], epoch=best + 1))
    if has_lr:
        ax = axes[0][2]
        ax.plot(epochs, history["lr"], "o-", color="tab:green", drawstyle="steps-post")
        ax.set_title(tr("learning rate (of each training pass)", lang=lang))
        ax.set_xlabel(tr("epoch", lang=lang))
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
    lang = plot_language()
    fig, axes = _new_figure(figsize=(6, 3.2))
    ax = axes[0][0]
    ax.plot(np.arange(1, len(lrs) + 1), lrs, "o-" if len(lrs) <= 40 else "-", color="tab:green",
            drawstyle="steps-post")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(tr("learning rate schedule", lang=lang))
    ax.set_xlabel(tr("step", lang=lang))
    ax.set_ylabel(tr("learning rate", lang=lang))
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
    lang = plot_language()
    counts = confusion_counts(y_true, y_pred, len(class_names))
    row_totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, row_totals, out=np.zeros(counts.shape), where=row_totals > 0)
    n = len(class_names)
    fig, axes = _new_figure(figsize=(1.6 * n + 2.4, 1.4 * n + 1.6))
    ax = axes[0][0]
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), class_names)
    ax.set_yticks(range(n), class_names)
    ax.set_xlabel(tr("predicted", lang=lang))
    ax.set_ylabel(tr("true", lang=lang))
    accuracy = np.trace(counts) / max(1, counts.sum())
    ax.set_title(tr("confusion matrix (accuracy {accuracy:.1%})", lang=lang, accuracy=accuracy))
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
    lang = plot_language()
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
        ax.set_title(tr("true {label} / predicted {predicted}\np({predicted}) = {p:.2f}, loss {loss:.2f}", lang=lang,
                        label=class_names[y_true[index]], predicted=class_names[predicted],
                        p=probs[index][predicted], loss=losses[index]),
                     fontsize=10, color="tab:red" if wrong else "black", pad=4)
    fig.suptitle(tr("top losses: the photos the model got most wrong", lang=lang), fontsize=12)
    fig.tight_layout()
    return fig


def plot_probabilities(image, probs):
    """The photo beside a horizontal bar of each class's probability (``probs``: ``{class: p}``)."""
    lang = plot_language()
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
    bar_ax.set_xlabel(tr("probability", lang=lang))
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


def plot_heatmaps(images, heatmaps, titles, colors=None, ncols=4, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """Each image with its Grad-CAM heat map over it (red: where the evidence is), titled.

    The map is drawn more opaque where it is stronger, so the photo shows
    through where the model found nothing.

    ``images``: normalized ``3 x H x W`` tensors (what the model saw);
    ``heatmaps``: ``H x W`` arrays in [0, 1] (``gradcam.grad_cam``);
    ``colors``: a title colour each (red for a mistake, say).
    """
    import matplotlib

    count = len(images)
    nrows, ncols = _grid(count, ncols)
    fig, axes = _new_figure(nrows, ncols, figsize=(2.9 * ncols, 3.2 * nrows))
    for ax in axes.flat:
        ax.axis("off")
    for index, ax in enumerate(axes.flat[:count]):
        ax.imshow(_as_picture(images[index], mean, std))
        heat = np.clip(np.asarray(heatmaps[index], dtype=float), 0, 1)
        overlay = matplotlib.colormaps["jet"](heat)
        overlay[..., 3] = 0.65 * heat  # no evidence: the photo as it is; strong evidence: red over it
        ax.imshow(overlay)
        ax.set_title(titles[index], fontsize=9, color=(colors[index] if colors else "black"), pad=3)
    fig.tight_layout()
    return fig


def plot_predictions(images, labels, probs, class_names, ncols=6, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """A grid of photos, each titled with the model's answer, its probability and the truth (red: wrong).

    As the PyTorch tutorial's ``visualize_model``: ``images`` are normalized
    tensors (a validation batch), ``labels`` the true classes, ``probs`` the
    model's probabilities (``N x classes``).
    """
    lang = plot_language()
    probs = np.asarray(probs, dtype=float)
    count = len(images)
    nrows, ncols = _grid(count, ncols)
    fig, axes = _new_figure(nrows, ncols, figsize=(2.2 * ncols, 2.5 * nrows))
    for ax in axes.flat:
        ax.axis("off")
    for index, ax in enumerate(axes.flat[:count]):
        predicted, truth = int(probs[index].argmax()), int(labels[index])
        ax.imshow(_as_picture(images[index], mean, std))
        ax.set_title(tr("{predicted} {p:.0%}\n(true: {label})", lang=lang, predicted=class_names[predicted],
                        p=probs[index][predicted], label=class_names[truth]),
                     fontsize=9, color="tab:red" if predicted != truth else "black", pad=3)
    fig.tight_layout()
    return fig
