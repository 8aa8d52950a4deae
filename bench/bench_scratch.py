"""From random weights: how well, and how fast, the kit's defaults learn cats from dogs.

What it measures: ``catdog train --weights none --epochs 10 --size 64``
(and with ``--fast``) as the command runs it: ``train.run.train_on_folder``
with the defaults ``cli.batch_and_lr`` gives for random weights (the
from-scratch recipe, ``train.recipe.FROM_SCRATCH``), the reference pieces,
the one loop, on 3,000 train and 1,000 val photos (the 4,000 shared ones,
``split_items`` seed 0, arranged by ``arrange_imagefolder``). It prints the
val accuracy and the wall time of every epoch, and writes them to
``bench/out/scratch-<recipe>-<path>-seed<N>.json``.

``--recipe`` chooses what ``train_model`` is given:

- ``kit`` (the default): whatever the kit's defaults are for random weights;
- ``scratch``: ``FROM_SCRATCH`` named explicitly (the same, unless the
  defaults change);
- ``today``: the fine-tuning recipe (SGD 0.001, batch 32, StepLR), which
  ``catdog train --weights none`` used before it had a recipe of its own.

bench/RESULTS.md ("From random weights") records what each reached, and the
SGD recipes tried on the way there (with this script as of commit 8403fb1,
which ran them through ``train_model`` directly).

How to run (from the kit's root):

    .venv/bin/python bench/bench_scratch.py                     # the kit's defaults, classic loaders
    .venv/bin/python bench/bench_scratch.py --path fast         # catdog train --fast
    .venv/bin/python bench/bench_scratch.py --recipe today --seed 1
    .venv/bin/python bench/bench_scratch.py --throughput today kit

``--photos`` is a flat folder of Kaggle photos (default: the 4,000 shared
ones, ``../shared/data/dogs-vs-cats-200px/train``); ``--threads`` sets torch's
threads (default 1: the machine is shared, and under load two threads slow
each other down). How long: a 10-epoch run at 64 px should take about 4
minutes on a quiet 2-core machine (facts.md: 190 img/s for this model at
64 px); under the load of several sessions it took 17 to 35 minutes.
``--throughput today kit`` compares two recipes' training speed in turns in
one process: about 3 minutes.
"""
import argparse
import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from catdog_lib import arrange_imagefolder, build_model, label_from_filename, make_loaders, split_items  # noqa: E402
from catdog_lib.cli import batch_and_lr  # noqa: E402
from catdog_lib.train.recipe import FROM_SCRATCH, RECIPE, default_workers, recipe_for, training_setup  # noqa: E402
from catdog_lib.train.run import train_on_folder  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "data" / "dogs-vs-cats-200px" / "train"
OUT = ROOT / "bench" / "out"
EPOCHS, SIZE = 10, 64  # the run: catdog train --weights none --epochs 10 --size 64

# name -> the recipe handed to train_on_folder (None: the kit's choice for weights=None, as the CLI makes it)
RECIPES = {"kit": None, "scratch": FROM_SCRATCH, "today": RECIPE}


def arrange(photos, dest):
    """3,000 / 1,000 of ``photos`` (a flat Kaggle folder) as an ImageFolder tree of links, by the pieces."""
    items = [(p, label_from_filename(p)) for p in sorted(Path(photos).glob("*.jpg"))]
    train, val = split_items(items, val_fraction=0.25, seed=0)
    arrange_imagefolder(train, val, dest)
    return len(train), len(val)


def settings_of(name, fast, device="cpu"):
    """``(recipe, batch_size, lr)`` for ``--recipe name``: the CLI's defaults for the kit, the recipe's own else."""
    recipe = RECIPES[name]
    if recipe is None:  # exactly what cmd_train computes for --weights none
        batch_size, lr = batch_and_lr(None, None, device, fast=fast, weights=None)
        return recipe_for(None), batch_size, lr
    return recipe, recipe.batch_size, recipe.lr


def run_once(name, data, fast, seed, epochs=EPOCHS, size=SIZE):
    """One run through ``train_on_folder``, as ``catdog train`` makes it. Returns ``(history, epoch seconds, run)``."""
    recipe, batch_size, lr = settings_of(name, fast)
    ends = [time.perf_counter()]
    run = train_on_folder(data, fast=fast, epochs=epochs, size=size, batch_size=batch_size, lr=lr, weights=None,
                          recipe=recipe, device=torch.device("cpu"), workers=default_workers("cpu"), seed=seed,
                          cache_dir=OUT / "scratch-cache", bars=False,
                          on_epoch=lambda history: ends.append(time.perf_counter()))
    return run.history, [b - a for a, b in zip(ends, ends[1:])], (recipe, batch_size, lr)


def throughput(names, data, rounds=3, images=640):
    """Training img/s of each recipe's batch size and optimizer, in turns in one process (load drifts hit all alike).

    Each turn: ``images`` photos through ``run_epoch``'s training pass (decode,
    augment, forward, backward, step). Returns ``{name: [img/s per round]}``.
    """
    from itertools import islice

    from catdog_lib import run_epoch

    setups = {}
    for name in names:
        recipe, batch_size, lr = settings_of(name, fast=False)
        torch.manual_seed(0)
        loaders, class_names = make_loaders(data, batch_size=batch_size, num_workers=0, size=SIZE)
        model = build_model(len(class_names), weights=None)
        criterion, optimizer, _ = training_setup(model, lr, EPOCHS, recipe)
        setups[name] = (batch_size, loaders["train"], model, criterion, optimizer)
    speeds = {name: [] for name in names}
    for turn in range(rounds):
        for name in (names if turn % 2 == 0 else names[::-1]):
            batch_size, loader, model, criterion, optimizer = setups[name]
            seen = []

            def some_batches():
                for inputs, labels in islice(loader, images // batch_size):
                    seen.append(len(labels))
                    yield inputs, labels

            started = time.perf_counter()  # decoding and augmenting count, as in a real epoch
            run_epoch(model, some_batches(), criterion, "cpu", optimizer)
            speeds[name].append(sum(seen) / (time.perf_counter() - started))
    return speeds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="kit", choices=sorted(RECIPES))
    parser.add_argument("--path", default="classic", choices=["classic", "fast"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--photos", type=Path, default=PHOTOS, help="a flat folder of cat.N.jpg / dog.N.jpg")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--work", type=Path, default=OUT / "scratch-data", help="where the split is arranged")
    parser.add_argument("--tag", default="", help="appended to the JSON file's name")
    parser.add_argument("--throughput", nargs="+", metavar="RECIPE",
                        help="only compare these recipes' training img/s, in turns (about 5 minutes under load)")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    n_train, n_val = arrange(args.photos, args.work)
    if args.throughput:
        load_before = os.getloadavg()[0]
        speeds = throughput(args.throughput, args.work)
        for name, values in speeds.items():
            print(f"{name:10} batch {settings_of(name, False)[1]:3}: {', '.join(f'{v:.1f}' for v in values)} img/s")
        first, *others = args.throughput
        for name in others:
            ratios = sorted(b / a for a, b in zip(speeds[first], speeds[name]))
            print(f"{name} / {first}: median {ratios[len(ratios) // 2]:.2f} "
                  f"(rounds {', '.join(f'{r:.2f}' for r in ratios)})")
        print(f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}, {args.threads} thread(s)")
        return 0

    load_before = os.getloadavg()[0]
    print(f"recipe {args.recipe} ({args.path} path, seed {args.seed}, {args.threads} thread(s)), "
          f"{n_train} train / {n_val} val, {args.epochs} epochs at {SIZE} px", flush=True)
    started = time.perf_counter()
    history, seconds, (recipe, batch_size, lr) = run_once(args.recipe, args.work, args.path == "fast", args.seed,
                                                          epochs=args.epochs)
    wall = time.perf_counter() - started
    load_after = os.getloadavg()[0]

    best = max(history["val_acc"])
    print(f"val accuracy per epoch: {', '.join(f'{a:.3f}' for a in history['val_acc'])}")
    print(f"best {best:.3f} (epoch {history['val_acc'].index(best) + 1}), last {history['val_acc'][-1]:.3f}; "
          f"wall {wall:.0f} s (epochs {', '.join(f'{s:.0f}' for s in seconds)} s; "
          f"{n_train * args.epochs / wall:.1f} train img/s incl. val and setup); "
          f"load average {load_before:.1f} -> {load_after:.1f}")
    OUT.mkdir(parents=True, exist_ok=True)
    name = f"scratch-{args.recipe}-{args.path}-seed{args.seed}{'-' + args.tag if args.tag else ''}.json"
    (OUT / name).write_text(json.dumps({
        "recipe_name": args.recipe, "recipe": asdict(replace(recipe, epochs=args.epochs, size=SIZE)),
        "batch_size": batch_size, "lr": lr, "path": args.path, "seed": args.seed, "threads": args.threads,
        "train": n_train, "val": n_val, "history": history, "epoch_seconds": seconds, "wall_seconds": wall,
        "best_val_acc": best, "load_average": [load_before, load_after], "torch": torch.__version__,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }, indent=1))
    print(f"wrote {OUT / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
