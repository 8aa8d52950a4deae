"""From random weights: which recipe learns cats from dogs, and how fast.

What it measures: a ResNet18 with ``weights=None`` trained through the
reference ``train_model`` piece (or, with ``--path fast``, the fast path's
cached, on-device batches with the same recipe), on 3,000 train and 1,000
val photos (``split_items`` seed 0, ``arrange_imagefolder``, loaders from
``make_loaders``: the pieces unchanged, ``RandomResizedCrop`` with its
default scale included). It prints the val accuracy of every epoch, the
wall time of every epoch and the training throughput, and writes them to
``bench/out/scratch-<recipe>-<path>-seed<N>.json``.

A *recipe* is what ``train_model`` is given: optimizer, per-epoch scheduler,
criterion, and the learning rate, batch size, weight decay, epochs and
image size. ``RECIPES`` below names each one tried; bench/RESULTS.md
("From random weights") records what each reached.

How to run (from the kit's root):

    .venv/bin/python bench/bench_scratch.py --recipe today
    .venv/bin/python bench/bench_scratch.py --recipe scratch --seed 1
    .venv/bin/python bench/bench_scratch.py --recipe scratch --path fast
    .venv/bin/python bench/bench_scratch.py --list

``--photos`` is a flat folder of Kaggle photos (default: the 4,000 shared
ones, ``../shared/data/dogs-vs-cats-200px/train``); ``--threads`` sets torch's
threads (default 1: the machine is shared, and under load two threads slow
each other down). How long: a 10-epoch run at 64 px should take about 4
minutes on a quiet 2-core machine (facts.md: 190 img/s for this model at
64 px); under the load of several sessions it took 17 to 35 minutes
(classic) and 17 to 19 (fast). ``--throughput today scratch`` compares two
recipes' training speed in turns in one process: about 3 minutes.
"""
import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from catdog_lib import arrange_imagefolder, build_model, label_from_filename, make_loaders, split_items  # noqa: E402
from catdog_lib import train_model  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "data" / "dogs-vs-cats-200px" / "train"
OUT = ROOT / "bench" / "out"


@dataclass(frozen=True)
class Recipe:
    """Everything ``train_model`` is given besides the model and the loaders."""
    lr: float                    # the peak learning rate
    optimizer: str = "sgd"       # "sgd" (momentum, optionally nesterov) or "adamw"
    batch_size: int = 32
    epochs: int = 10
    size: int = 64
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    schedule: str = "step"       # "step": StepLR(7, 0.1); "linear" or "cosine": warm-up, then down to zero
    warmup_epochs: int = 0       # epochs of linear warm-up before the decay (linear/cosine only)
    note: str = ""


SGD_SCRATCH = dict(batch_size=64, nesterov=True, weight_decay=5e-4, label_smoothing=0.1)
RECIPES = {
    # catdog train --weights none --epochs 10 --size 64, as the kit does it today.
    "today": Recipe(lr=0.001, note="the fine-tuning recipe: SGD 0.001, StepLR 7, batch 32"),
    # One epoch of warm-up (half the peak), then a straight line down to zero.
    "warmup1-linear-0.1": Recipe(lr=0.1, schedule="linear", warmup_epochs=1, **SGD_SCRATCH),
    # Two epochs of warm-up (a third, two thirds of the peak), then linear down.
    "warmup2-linear-0.05": Recipe(lr=0.05, schedule="linear", warmup_epochs=2, **SGD_SCRATCH),
    # AdamW: less sensitive to the learning rate from random weights.
    "adamw-warmup1-cosine-2e-3": Recipe(lr=2e-3, optimizer="adamw", batch_size=64, weight_decay=0.05,
                                        label_smoothing=0.1, schedule="cosine", warmup_epochs=1),
}
RECIPES["scratch"] = replace(RECIPES["adamw-warmup1-cosine-2e-3"], note="the chosen recipe (see RESULTS.md)")


def lr_factor(recipe, epoch):
    """The learning rate of ``epoch`` (0-based) as a fraction of the peak, for a per-epoch ``LambdaLR``.

    Warm-up: ``(epoch + 1) / (warmup + 1)``, so the first epoch already
    learns. Then linear (or cosine) from 1 at the first epoch after the
    warm-up down to zero one epoch past the last, so the last epoch still
    has a small, non-zero rate.
    """
    w, total = recipe.warmup_epochs, recipe.epochs
    if epoch < w:
        return (epoch + 1) / (w + 1)
    done = (epoch - w) / max(1, total - w)  # 0 at the first decay epoch, (n-1)/n at the last
    if recipe.schedule == "linear":
        return 1.0 - done
    return 0.5 * (1.0 + math.cos(math.pi * done))


def build_recipe(recipe, model):
    """``(criterion, optimizer, scheduler)`` for ``train_model``: the scheduler is stepped once an epoch."""
    criterion = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
    if recipe.optimizer == "adamw":
        optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                                    nesterov=recipe.nesterov, weight_decay=recipe.weight_decay)
    if recipe.schedule == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    else:
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda epoch: lr_factor(recipe, epoch))
    return criterion, optimizer, scheduler


def arrange(photos, dest):
    """3,000 / 1,000 of ``photos`` (a flat Kaggle folder) as an ImageFolder tree of links, by the pieces."""
    items = [(p, label_from_filename(p)) for p in sorted(Path(photos).glob("*.jpg"))]
    train, val = split_items(items, val_fraction=0.25, seed=0)
    arrange_imagefolder(train, val, dest)
    return len(train), len(val)


class EpochClock:
    """The val loader, noting the time each pass over it ends: the end of each ``train_model`` epoch."""

    def __init__(self, loader):
        self.loader, self.ends = loader, []

    def __iter__(self):
        yield from self.loader
        self.ends.append(time.perf_counter())

    def __len__(self):
        return len(self.loader)


def run_classic(recipe, data, seed):
    """Train through the reference ``train_model``. Returns ``(history, epoch seconds)``."""
    torch.manual_seed(seed)
    loaders, class_names = make_loaders(data, batch_size=recipe.batch_size, num_workers=0, size=recipe.size)
    model = build_model(len(class_names), weights=None)
    criterion, optimizer, scheduler = build_recipe(recipe, model)
    clock = EpochClock(loaders["val"])
    started = time.perf_counter()
    _, history = train_model(model, criterion, optimizer, scheduler, {"train": loaders["train"], "val": clock},
                             num_epochs=recipe.epochs)
    ends = [started] + clock.ends
    return history, [b - a for a, b in zip(ends, ends[1:])]


def run_fast(recipe, data, seed):
    """The fast path's loop (``catdog_lib.fast.fit_fast``, minus checkpoints) with the recipe's pieces.

    ``fit_fast`` hard-codes ``StepLR`` and plain cross-entropy; this copies
    its loop so the same recipe can be tried on cached, on-device batches.
    """
    from catdog_lib.fast import load_split, run_fast_epoch

    device = torch.device("cpu")
    cache = OUT / "scratch-cache"
    train_data, class_names = load_split(data / "train", recipe.size, device, cache, progress=False)
    val_data, _ = load_split(data / "val", recipe.size, device, cache, progress=False, class_names=class_names)
    torch.manual_seed(seed)
    model = build_model(len(class_names), weights=None).to(memory_format=torch.channels_last)
    criterion, optimizer, scheduler = build_recipe(recipe, model)
    history = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}
    seconds = []
    for epoch in range(recipe.epochs):
        started = time.perf_counter()
        order = torch.Generator().manual_seed(seed * 100_003 + epoch)
        augment = torch.Generator(device=device).manual_seed(seed * 100_003 + epoch)
        history["lr"].append(optimizer.param_groups[0]["lr"])
        train_loss, train_acc = run_fast_epoch(model, train_data, criterion, recipe.size, recipe.batch_size,
                                               optimizer, None, augment, order, None, progress=False)
        scheduler.step()
        val_loss, val_acc = run_fast_epoch(model, val_data, criterion, recipe.size, recipe.batch_size,
                                           progress=False)
        for key, value in zip(("train_loss", "train_acc", "val_loss", "val_acc"),
                              (train_loss, train_acc, val_loss, val_acc)):
            history[key].append(value)
        seconds.append(time.perf_counter() - started)
        print(f"epoch {epoch + 1}/{recipe.epochs}: train loss {train_loss:.3f} acc {train_acc:.3f}, "
              f"val loss {val_loss:.3f} acc {val_acc:.3f} ({seconds[-1]:.1f} s)", flush=True)
    return history, seconds


def throughput(names, data, rounds=3, images=640):
    """Training img/s of each recipe's batch size and optimizer, in turns in one process (load drifts hit all alike).

    Each turn: ``images`` photos through ``run_epoch``'s training pass (decode,
    augment, forward, backward, step). Returns ``{name: [img/s per round]}``.
    """
    from itertools import islice

    from catdog_lib import run_epoch

    setups = {}
    for name in names:
        recipe = RECIPES[name]
        torch.manual_seed(0)
        loaders, class_names = make_loaders(data, batch_size=recipe.batch_size, num_workers=0, size=recipe.size)
        model = build_model(len(class_names), weights=None)
        setups[name] = (recipe, loaders["train"], model, *build_recipe(recipe, model))
    speeds = {name: [] for name in names}
    for turn in range(rounds):
        for name in (names if turn % 2 == 0 else names[::-1]):
            recipe, loader, model, criterion, optimizer, _ = setups[name]
            seen = []

            def some_batches():
                for inputs, labels in islice(loader, images // recipe.batch_size):
                    seen.append(len(labels))
                    yield inputs, labels

            started = time.perf_counter()  # decoding and augmenting count, as in a real epoch
            run_epoch(model, some_batches(), criterion, "cpu", optimizer)
            speeds[name].append(sum(seen) / (time.perf_counter() - started))
    return speeds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="scratch", choices=sorted(RECIPES))
    parser.add_argument("--path", default="classic", choices=["classic", "fast"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs")
    parser.add_argument("--photos", type=Path, default=PHOTOS, help="a flat folder of cat.N.jpg / dog.N.jpg")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--work", type=Path, default=OUT / "scratch-data", help="where the split is arranged")
    parser.add_argument("--tag", default="", help="appended to the JSON file's name")
    parser.add_argument("--list", action="store_true", help="print the recipes and stop")
    parser.add_argument("--throughput", nargs="+", metavar="RECIPE",
                        help="only compare these recipes' training img/s, in turns (about 5 minutes under load)")
    args = parser.parse_args(argv)

    if args.list:
        for name, recipe in sorted(RECIPES.items()):
            print(f"{name:24} {recipe}")
        return 0
    if args.throughput:
        torch.set_num_threads(args.threads)
        arrange(args.photos, args.work)
        load_before = os.getloadavg()[0]
        speeds = throughput(args.throughput, args.work)
        for name, values in speeds.items():
            print(f"{name:28} batch {RECIPES[name].batch_size:3}: {', '.join(f'{v:.1f}' for v in values)} img/s")
        first, *others = args.throughput
        for name in others:
            ratios = sorted(b / a for a, b in zip(speeds[first], speeds[name]))
            print(f"{name} / {first}: median {ratios[len(ratios) // 2]:.2f} (rounds {', '.join(f'{r:.2f}' for r in ratios)})")
        print(f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}, {args.threads} thread(s)")
        return 0
    recipe = RECIPES[args.recipe]
    if args.epochs:
        recipe = replace(recipe, epochs=args.epochs)
    torch.set_num_threads(args.threads)
    data = args.work
    n_train, n_val = arrange(args.photos, data)
    load_before = os.getloadavg()[0]
    print(f"recipe {args.recipe} ({args.path} path, seed {args.seed}, {args.threads} thread(s)), "
          f"{n_train} train / {n_val} val: {recipe}", flush=True)

    started = time.perf_counter()
    history, seconds = (run_fast if args.path == "fast" else run_classic)(recipe, data, args.seed)
    wall = time.perf_counter() - started
    load_after = os.getloadavg()[0]

    best = max(history["val_acc"])
    print(f"val accuracy per epoch: {', '.join(f'{a:.3f}' for a in history['val_acc'])}")
    print(f"best {best:.3f} (epoch {history['val_acc'].index(best) + 1}), last {history['val_acc'][-1]:.3f}; "
          f"wall {wall:.0f} s ({n_train * recipe.epochs / wall:.1f} train img/s incl. val); "
          f"load average {load_before:.1f} -> {load_after:.1f}")
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"scratch-{args.recipe}-{args.path}-seed{args.seed}{'-' + args.tag if args.tag else ''}.json"
    (OUT / name).write_text(json.dumps({
        "recipe_name": args.recipe, "recipe": asdict(recipe), "path": args.path, "seed": args.seed,
        "threads": args.threads, "train": n_train, "val": n_val, "history": history, "epoch_seconds": seconds,
        "wall_seconds": wall, "best_val_acc": best, "load_average": [load_before, load_after],
        "torch": torch.__version__, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }, indent=1))
    print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
