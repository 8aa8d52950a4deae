"""Benchmark: the tutorial loop, the kit's classic path, the fast path, and the limit, in one run.

    .venv/bin/python bench/bench_train.py --data ../shared/data/dogs-vs-cats-200px --size 64 --epochs 2

Same model (ResNet18, ``weights=None``), image size, split, epochs and seed
for all:

- tutorial: the PyTorch transfer-learning tutorial as published: ImageFolder,
  v1 PIL transforms, batch 4, ``num_workers=4`` (at most the cores), fp32,
  SGD lr 0.001 momentum 0.9, StepLR(7, 0.1), ``.item()`` every batch;
- classic: the kit's pieces, ``make_loaders`` and the reference ``train_model``
  through the one loop (``catdog_lib.train.loop``), batch 64 (256 on a GPU),
  workers = cores (at most 8);
- fast: the reference ``train_model`` over the fast loaders
  (``catdog_lib.train.fast``: cache, batch augmentation on the device) through
  the one loop, in its precision (mixed on CUDA, with ``channels_last``); its
  ``run_epoch`` is the reference piece, learner-style: ``.item()`` every batch;
- device-sums: the same with a ``run_epoch`` that keeps its sums on the
  device and reads them once a pass, to measure what the ``.item()`` costs;
- limit: the same model, batches and precision trained on random tensors
  already on the device: no data loading at all;
- paired: fast, device-sums and limit in turns in one process, epoch by
  epoch (their ratios, free of the load's drift on a shared machine).

Each method runs in its own process (its peak memory is its own). Training
speed is measured over the training passes alone (what ``train_model`` hands
``run_epoch`` with an optimizer). Reports images per second for loading
alone and for training, val accuracy after the last epoch, peak memory, the
ratios, the system load around each run, and the scaling of the cache
(build time, memory, epoch time) with 1k, 4k and 25k images (25k by reusing
files). Writes ``bench/out/bench-<time>.json`` and ``.md`` (and ``latest.*``).
"""
import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
METHODS = ("tutorial", "classic", "fast", "device-sums", "limit", "paired")


# ---------------------------------------------------------------------------
# shared helpers

def load_now():
    return [round(x, 2) for x in os.getloadavg()]


def sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory(device):
    import torch

    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    out = {"peak_rss_mib": round(rss_self, 1), "peak_rss_workers_mib": round(rss_children, 1)}
    if device.type == "cuda":
        out["cuda_max_allocated_mib"] = round(torch.cuda.max_memory_allocated(device) / 2 ** 20, 1)
    return out


def photo_list(data):
    """The photos of ``data`` (a flat Kaggle folder, or one with a flat ``train/``): ``(path, label)`` pairs."""
    from catdog_lib import label_from_filename

    folder = Path(data)
    if (folder / "train").is_dir() and not any((folder / "train" / c).is_dir() for c in ("cat", "dog")):
        folder = folder / "train"
    items = []
    for path in sorted(folder.iterdir()):
        try:
            items.append((path, label_from_filename(path)))
        except ValueError:
            continue
    if not items:
        sys.exit(f"no cat.N.jpg / dog.N.jpg photos in {folder}")
    return items


def arrange(data, n_images, dest, seed=0):
    """An ImageFolder tree of ``n_images`` photos (half cats, half dogs), split 75/25: links, not copies."""
    from catdog_lib import arrange_imagefolder, split_items

    items = photo_list(data)
    per_class = n_images // 2
    chosen = [it for label in ("cat", "dog") for it in [x for x in items if x[1] == label][:per_class]]
    train, val = split_items(chosen, val_fraction=0.25, seed=seed)
    arrange_imagefolder(train, val, dest)
    return dest


def new_model(seed, device, channels_last=False):
    import torch
    from torch import nn
    from torchvision import models

    torch.manual_seed(seed)
    model = models.resnet18(weights=None)
    model.fc = nn.Linear(model.fc.in_features, 2)
    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model


# ---------------------------------------------------------------------------
# the four methods, each returns a dict of figures

def time_loader(loader, device):
    """One pass over ``loader``, tensors moved to the device: images per second of loading alone."""
    seen, start = 0, time.perf_counter()
    for inputs, labels in loader:
        inputs = inputs.to(device, non_blocking=True)
        seen += len(labels)
    sync(device)
    return seen / (time.perf_counter() - start)


def bench_tutorial(args, data_dir, device):
    """The tutorial's code, with its 224/256 replaced by our size."""
    import torch
    from torch import nn, optim
    from torch.optim import lr_scheduler
    from torchvision import datasets, transforms

    size, resize = args.size, round(args.size * 256 / 224)
    data_transforms = {
        "train": transforms.Compose([
            transforms.RandomResizedCrop(size),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]),
        "val": transforms.Compose([
            transforms.Resize(resize),
            transforms.CenterCrop(size),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
        ]),
    }
    image_datasets = {x: datasets.ImageFolder(os.path.join(data_dir, x), data_transforms[x]) for x in ["train", "val"]}
    workers = min(4, os.cpu_count() or 1)
    dataloaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=4, shuffle=True, num_workers=workers)
                   for x in ["train", "val"]}
    dataset_sizes = {x: len(image_datasets[x]) for x in ["train", "val"]}
    load_ips = None if args.method == "tutorial-wall" else time_loader(dataloaders["train"], device)

    model = new_model(args.seed, device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    train_time, epochs = 0.0, []
    for epoch in range(args.epochs):
        for phase in ["train", "val"]:
            model.train(phase == "train")
            running_loss, running_corrects = 0.0, 0
            start = time.perf_counter()
            for inputs, labels in dataloaders[phase]:
                inputs, labels = inputs.to(device), labels.to(device)
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data)
            if phase == "train":
                scheduler.step()
                train_time += time.perf_counter() - start
            epochs.append({"phase": phase, "loss": running_loss / dataset_sizes[phase],
                           "acc": running_corrects.double().item() / dataset_sizes[phase],
                           "seconds": time.perf_counter() - start})
    return {"batch_size": 4, "workers": workers, "load_img_s": load_ips,
            "train_img_s": dataset_sizes["train"] * args.epochs / train_time,
            "val_acc": epochs[-1]["acc"], "epochs": epochs}


def timed(run_epoch, seconds, device):
    """``run_epoch``, with each training pass's duration appended to ``seconds`` (the GPU synced around it)."""
    def run(model, loader, criterion, device_, optimizer=None):
        if optimizer is None:
            return run_epoch(model, loader, criterion, device_, optimizer)
        sync(device)
        start = time.perf_counter()
        result = run_epoch(model, loader, criterion, device_, optimizer)
        sync(device)
        seconds.append(time.perf_counter() - start)
        return result
    return run


def run_epoch_device_sums(model, loader, criterion, device, optimizer=None):
    """``run_epoch`` as the kit wrote it before the one loop: sums kept on the device, read once a pass.

    The contract's numbers, without a ``.item()`` per batch (which makes the
    CPU wait for the GPU each batch). Only here, to measure what the
    learner-style ``.item()`` costs.
    """
    import torch

    training = optimizer is not None
    model.train(training)
    sums = torch.zeros(2, device=device)  # the loss times the batch size, and the hits, summed over the batches
    seen = 0
    with torch.set_grad_enabled(training):
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            sums += torch.stack([loss.detach().float() * len(labels), (outputs.argmax(1) == labels).sum().float()])
            seen += len(labels)
    loss_sum, hits = sums.tolist()  # the one wait for the device in the pass
    return loss_sum / seen, hits / seen


def through_the_loop(args, model, loaders, device, lr, run_epoch=None):
    """The reference ``train_model`` (calling ``run_epoch``, timed) through the one loop: ``(train img/s, val acc)``."""
    from catdog_lib.train.linking import with_names
    from catdog_lib.train.loop import seed_everything, train
    from catdog_lib.training import run_epoch as reference_run_epoch
    from catdog_lib.training import train_model

    seconds = []
    seed_everything(args.seed)
    _, history = train(model, loaders, epochs=args.epochs, lr=lr, device=device, progress=False,
                       train_model=with_names(train_model, run_epoch=timed(run_epoch or reference_run_epoch,
                                                                           seconds, device)))
    return len(loaders["train"].dataset) * args.epochs / sum(seconds), history["val_acc"][-1]


def bench_classic(args, data_dir, device):
    """The kit's classic path: ``make_loaders`` and the reference ``train_model`` through the one loop."""
    from catdog_lib import make_loaders

    batch = 256 if device.type == "cuda" else 64
    workers = min(8, os.cpu_count() or 1)
    loaders, _ = make_loaders(data_dir, batch_size=batch, num_workers=workers, size=args.size)
    load_ips = time_loader(loaders["train"], device)
    lr = 0.001 * batch / 4  # the tutorial's rate, scaled with the batch
    train_ips, val_acc = through_the_loop(args, new_model(args.seed, device), loaders, device, lr)
    return {"batch_size": batch, "workers": workers, "lr": lr, "load_img_s": load_ips, "train_img_s": train_ips,
            "val_acc": val_acc}


def fast_loaders_timed(args, data_dir, device, cache_dir):
    """The fast loaders, their cache built afresh: ``(loaders, build seconds, reload seconds, loading img/s)``."""
    from catdog_lib.train.fast import fast_loaders
    from catdog_lib.train.recipe import fast_batch_size

    batch = fast_batch_size(device)
    shutil.rmtree(cache_dir, ignore_errors=True)  # time a fresh build
    start = time.perf_counter()
    loaders, _ = fast_loaders(data_dir, batch, args.size, device, args.seed, cache_dir, progress=False)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    fast_loaders(data_dir, batch, args.size, device, args.seed, cache_dir, progress=False)
    reload_s = time.perf_counter() - start
    sync(device)
    start = time.perf_counter()
    for _ in loaders["train"]:  # loading alone: fetch, crop, flip, normalize, as the pieces receive it
        pass
    sync(device)
    return loaders, build_s, reload_s, len(loaders["train"].dataset) / (time.perf_counter() - start)


def bench_fast(args, data_dir, device, cache_dir, run_epoch=None):
    """The reference ``train_model`` over the fast loaders through the one loop (``run_epoch``: the reference's,
    one ``.item()`` per batch, unless given)."""
    from catdog_lib.train.amp import choose_precision

    loaders, build_s, reload_s, load_ips = fast_loaders_timed(args, data_dir, device, cache_dir)
    batch = loaders["train"].batch_size
    lr = 0.001 * batch / 4
    train_ips, val_acc = through_the_loop(args, new_model(args.seed, device), loaders, device, lr, run_epoch)
    images = loaders["train"].dataset.images
    n = len(loaders["train"].dataset) + len(loaders["val"].dataset)
    return {"batch_size": batch, "lr": lr, "precision": choose_precision(device).describe(),
            "cache_on_device": images.on_device, "cache_build_s": build_s, "cache_reload_s": reload_s,
            "cache_mib": round(n * 3 * images.images.shape[-1] ** 2 / 2 ** 20, 1),
            "load_img_s": load_ips, "train_img_s": train_ips, "val_acc": val_acc}


def limit_steps(model, batches, device, lr):
    """Train ``model`` on ``batches`` of random tensors already on the device, in the loop's own precision:
    no data loading, no per-batch sync. Returns images per second."""
    import torch
    from torch import nn

    from catdog_lib.train.amp import choose_precision
    from catdog_lib.train.recipe import optimizer_and_schedule

    precision = choose_precision(device)
    optimizer, _ = optimizer_and_schedule(model, lr, epochs=1)
    size, sizes = batches
    inputs = torch.randn(max(sizes), 3, size, size, device=device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, 2, (max(sizes),), device=device)
    model.train()
    sync(device)
    start = time.perf_counter()
    with precision.around(nn.CrossEntropyLoss(), optimizer) as (criterion, step):
        for k in sizes:
            step.zero_grad()
            criterion(model(inputs[:k]), labels[:k]).backward()
            step.step()
    sync(device)
    return sum(sizes) / (time.perf_counter() - start)


def fast_batch_sizes(n, batch):
    """The sizes of the fast training loader's batches over ``n`` images (a last batch of one joins the one before)."""
    sizes = [min(batch, n - i) for i in range(0, n, batch)]
    if len(sizes) > 1 and sizes[-1] == 1:
        sizes[-2:] = [sizes[-2] + 1]
    return sizes


def bench_limit(args, data_dir, device):
    from catdog_lib.train.recipe import fast_batch_size

    n_train = sum(1 for _ in Path(data_dir, "train").rglob("*.jpg"))
    batch = fast_batch_size(device)
    sizes = fast_batch_sizes(n_train, batch) * args.epochs
    model = new_model(args.seed, device)
    return {"batch_size": batch, "train_img_s": limit_steps(model, (args.size, sizes), device, 0.001 * batch / 4),
            "load_img_s": None, "val_acc": None}


def bench_paired(args, data_dir, device, cache_dir, rounds=4):
    """The fast path (with the reference run_epoch, and with device sums), and the limit, in turns, epoch by
    epoch, in one process: their ratios, free of the load's drift.

    On a shared machine the load changes from minute to minute, so methods
    run one after the other are not compared fairly. Here each round times
    one training epoch of each, the reference ``train_model`` over the fast
    loaders calling the reference ``run_epoch`` (one ``.item()`` per batch) or
    ``run_epoch_device_sums``, and the limit on the same batch sizes, in an
    order that rotates; we report the medians of the rounds' ratios.
    """
    import statistics

    import torch
    from torch import nn

    from catdog_lib.train.amp import choose_precision
    from catdog_lib.train.linking import with_names
    from catdog_lib.train.loop import ProgressLoader
    from catdog_lib.train.recipe import optimizer_and_schedule
    from catdog_lib.training import run_epoch, train_model

    loaders, _, _, _ = fast_loaders_timed(args, data_dir, device, cache_dir)
    batch = loaders["train"].batch_size
    n = len(loaders["train"].dataset)
    sizes = fast_batch_sizes(n, batch)
    lr = 0.001 * batch / 4
    feed = device if device.type == "cuda" else None
    shown = {split: ProgressLoader(loader, split, False, feed) for split, loader in loaders.items()}
    figures = {"item": [], "sums": [], "limit": []}
    runners = {}
    for kind, epoch_fn in (("item", run_epoch), ("sums", run_epoch_device_sums)):
        model = new_model(args.seed, device)
        if device.type == "cuda":
            model.to(memory_format=torch.channels_last)
        optimizer, scheduler = optimizer_and_schedule(model, lr, epochs=rounds)
        seconds = []
        piece = with_names(train_model, run_epoch=timed(epoch_fn, seconds, device))

        def one(model=model, optimizer=optimizer, scheduler=scheduler, seconds=seconds, piece=piece, kind=kind):
            # One epoch of the piece, under the precision the one loop would choose (as train.loop does).
            with choose_precision(device).around(nn.CrossEntropyLoss(), optimizer) as (criterion, handed):
                piece(model, criterion, handed, scheduler, shown, num_epochs=1, device=device)
            figures[kind].append(n / seconds[-1])
        runners[kind] = one
    limit_model = new_model(args.seed, device)
    runners["limit"] = lambda: figures["limit"].append(limit_steps(limit_model, (args.size, sizes), device, lr))
    order = ["item", "sums", "limit"]
    for r in range(rounds):
        loaders["train"].set_epoch(r)
        for kind in order[r % 3:] + order[:r % 3]:  # rotate who goes first: a changing load favours none
            runners[kind]()
        print(f"paired round {r + 1}: reference run_epoch {figures['item'][-1]:.1f} img/s, device sums "
              f"{figures['sums'][-1]:.1f} img/s, limit {figures['limit'][-1]:.1f} img/s, load {load_now()[0]}",
              flush=True)
    to_limit = [a / b for a, b in zip(figures["item"], figures["limit"])]
    to_sums = [a / b for a, b in zip(figures["item"], figures["sums"])]
    return {"batch_size": batch, "rounds": rounds, "fast_img_s": figures["item"], "sums_img_s": figures["sums"],
            "limit_img_s": figures["limit"], "ratios": to_limit, "median_ratio": statistics.median(to_limit),
            "item_vs_sums": to_sums, "median_item_vs_sums": statistics.median(to_sums),
            "train_img_s": statistics.median(figures["item"]), "load_img_s": None, "val_acc": None}


def bench_scaling(args, device, cache_dir):
    """Cache build time and memory, the data side of an epoch, and one training epoch (the reference
    ``train_model`` over the fast loaders), at several numbers of images.

    The training epoch is skipped above ``--scale-train-max`` images (on a
    shared 2-core CPU an epoch of 25k images takes many minutes).
    """
    import torch

    from catdog_lib.train.cache import cache_side, load_or_build_cache
    from catdog_lib.train.fast import CachedImages, CachedSplit, FastLoader
    from catdog_lib.train.recipe import fast_batch_size

    items = photo_list(args.data)
    labels_of = {"cat": 0, "dog": 1}
    batch = fast_batch_size(device)
    rows = []
    for n in args.scale:
        chosen = [items[i % len(items)] for i in range(n)]  # beyond the photos there are: the same files again
        paths = [p for p, _ in chosen]
        labels = [labels_of[y] for _, y in chosen]
        shutil.rmtree(cache_dir, ignore_errors=True)
        load_before = load_now()
        start = time.perf_counter()
        array, _, _ = load_or_build_cache(paths, args.scale_size, cache_dir, progress=False)
        build_s = time.perf_counter() - start
        split = CachedSplit(CachedImages(array, labels, device), paths, labels, ["cat", "dog"], args.scale_size)
        loader = FastLoader(split, batch, train=True, seed=args.seed)
        sync(device)
        start = time.perf_counter()
        for _ in loader:  # the data side of an epoch: fetch, crop, flip, normalize
            pass
        sync(device)
        data_epoch_s = time.perf_counter() - start
        row = {"images": n, "size": args.scale_size, "cache_side": cache_side(args.scale_size),
               "cache_mib": round(array.nbytes / 2 ** 20, 1), "build_s": round(build_s, 2),
               "data_epoch_s": round(data_epoch_s, 3), "epoch_s": None}
        if n <= args.scale_train_max:
            one = argparse.Namespace(**{**vars(args), "epochs": 1, "size": args.scale_size})
            few = slice(0, min(n, batch))  # a val pass over one batch: the loop needs one, the bench does not
            val = FastLoader(CachedSplit(CachedImages(array[few], labels[few], device), paths[few], labels[few],
                                         ["cat", "dog"], args.scale_size), batch, train=False)
            train_ips, _ = through_the_loop(one, new_model(args.seed, device), {"train": loader, "val": val}, device,
                                            0.001 * batch / 4)
            row["epoch_s"] = round(n / train_ips, 2)
        rows.append(dict(row, load_before=load_before, load_after=load_now()))
        print(f"scaling: {rows[-1]}", flush=True)
        del split, loader, array
        if device.type == "cuda":
            torch.cuda.empty_cache()
    shutil.rmtree(cache_dir, ignore_errors=True)
    return rows


# ---------------------------------------------------------------------------
# wall time: what a user waits for, whole processes from start to exit

def wall_commands(args, data_dir, work, before=None):
    """``{name: (argv, env, cwd)}``: the tutorial as published (its own process, no extra loading pass) and
    ``catdog train --fast`` (a fresh cache and output folder: a first run), and the kit at ``before`` (a
    folder holding an older catdog_lib) the same way."""
    common = ["--data", str(data_dir), "--epochs", str(args.epochs), "--size", str(args.size), "--weights", "none",
              "--device", "cpu"]
    commands = {"tutorial": ([sys.executable, __file__, "--method", "tutorial-wall", "--data", args.data, "--size",
                              str(args.size), "--epochs", str(args.epochs), "--seed", str(args.seed), "--work",
                              str(work), "--scale", "", "--device", "cpu"], dict(os.environ), None)}
    kits = {"fast": None, **({"fast-before": str(Path(before).resolve())} if before else {})}
    for name, kit in kits.items():
        env = dict(os.environ, CATDOG_CACHE=str(work / f"wall-cache-{name}"))
        if kit:
            env["PYTHONPATH"] = str(kit)
        shutil.rmtree(work / f"wall-cache-{name}", ignore_errors=True)
        shutil.rmtree(work / f"wall-out-{name}", ignore_errors=True)
        # python -m puts the working folder first on sys.path: an older kit runs from its own folder
        commands[name] = ([sys.executable, "-m", "catdog_lib", "train", "--fast", *common, "--out",
                           str(work / f"wall-out-{name}")], env, kit)
    return commands


def bench_wall(args, data_dir, work):
    """Start the commands together (each sees the same load), with ``args.compete`` busy processes
    competing for the CPU; return ``{name: seconds from start to exit}`` and the load seen."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.compete)]
    load_before = load_now()
    try:
        started, running, seconds, logs = time.perf_counter(), {}, {}, {}
        for name, (argv, env, cwd) in wall_commands(args, data_dir, work, args.before).items():
            logs[name] = open(work / f"wall-{name}.log", "w")
            running[name] = subprocess.Popen(argv, env=env, cwd=cwd, stdout=logs[name], stderr=subprocess.STDOUT)
        loads = []
        while running:
            time.sleep(1)
            loads.append(os.getloadavg()[0])
            for name, proc in list(running.items()):
                if proc.poll() is not None:
                    seconds[name] = {"wall_s": round(time.perf_counter() - started, 1), "exit": proc.returncode}
                    del running[name]
                    logs[name].close()
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    return {"commands": seconds, "compete": args.compete, "load_before": load_before,
            "load_mean": round(sum(loads) / max(len(loads), 1), 2), "load_max": round(max(loads or [0]), 2),
            "cores": len(os.sched_getaffinity(0))}


# ---------------------------------------------------------------------------
# the driver

def run_method(args):
    """In a child process: run one method, print its figures as JSON on the last line."""
    import torch

    from catdog_lib.hardware import pick_device

    torch.backends.cudnn.benchmark = True
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    data_dir = Path(args.work) / "data"
    load_before = load_now()
    started = time.perf_counter()
    if args.method in ("tutorial", "tutorial-wall"):
        result = bench_tutorial(args, data_dir, device)
    elif args.method == "classic":
        result = bench_classic(args, data_dir, device)
    elif args.method == "fast":
        result = bench_fast(args, data_dir, device, Path(args.work) / "cache")
    elif args.method == "device-sums":
        result = bench_fast(args, data_dir, device, Path(args.work) / "cache", run_epoch=run_epoch_device_sums)
    elif args.method == "limit":
        result = bench_limit(args, data_dir, device)
    elif args.method == "paired":
        result = bench_paired(args, data_dir, device, Path(args.work) / "cache")
    elif args.method == "scaling":
        result = {"rows": bench_scaling(args, device, Path(args.work) / "scale-cache")}
    result.update(peak_memory(device), wall_s=round(time.perf_counter() - started, 1),
                  load_before=load_before, load_after=load_now(), threads=torch.get_num_threads())
    print("RESULT " + json.dumps(result), flush=True)


def machine():
    import torch

    from catdog_lib.hardware import hardware_report

    report = hardware_report()
    gpu = report["gpus"][0]["name"] if report["gpus"] else None
    return {"cpu": report["cpu"], "cores": report["cores"], "ram_gib": round((report["ram_bytes"] or 0) / 2 ** 30, 1),
            "gpu": gpu, "torch": torch.__version__, "python": platform.python_version(), "host": platform.node()}


def fmt(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def markdown(report):
    r, m = report["results"], report["machine"]
    lines = [
        f"Benchmark {report['date']} on {m['cpu']} ({m['cores']} cores, {m['ram_gib']} GiB RAM)"
        f"{', GPU ' + m['gpu'] if m['gpu'] else ', no GPU'}; device `{report['device']}`, torch {m['torch']}.",
        f"ResNet18 (weights=None), {report['size']} px, {report['images']} photos ({report['n_train']} train / "
        f"{report['n_val']} val), {report['epochs']} epochs, seed {report['seed']}, "
        f"torch threads per process: {report['threads'] or 'default'}.",
        "",
        "| path | batch | loading img/s | training img/s | val acc (last epoch) | peak RSS MiB (+workers) "
        "| CUDA max alloc MiB | load avg before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in METHODS[:5]:
        if name not in r:
            continue
        x = r[name]
        acc = "–" if x.get("val_acc") is None else f"{x['val_acc']:.3f}"
        rss = f"{x['peak_rss_mib']:,.0f}" + (f" (+{x['peak_rss_workers_mib']:,.0f})" if x.get("peak_rss_workers_mib") else "")
        lines.append(f"| {name} | {x['batch_size']} | {fmt(x.get('load_img_s'))} | {fmt(x['train_img_s'], 1)} | {acc} "
                     f"| {rss} | {fmt(x.get('cuda_max_allocated_mib'))} | {x['load_before'][0]} → {x['load_after'][0]} |")
    ratios = report["ratios"]
    lines += ["", "| ratio | value | target |", "|---|---:|---|"]
    for key, target in (("fast/tutorial loading", "≥ 10"), ("fast/tutorial training", "≥ 1.5 (CPU), ≥ 5 (GPU)"),
                        ("fast/limit training", "≥ 0.9 (CPU), ≥ 0.85 (GPU)"),
                        ("fast/limit training, paired", "≥ 0.9 (CPU), ≥ 0.85 (GPU)"), ("fast/classic training", ""),
                        ("fast/device-sums training", "≥ 0.9: the .item() per batch costs under 10 %"),
                        ("fast/device-sums training, paired", "≥ 0.9")):
        if ratios.get(key) is not None:
            lines.append(f"| {key} | {ratios[key]:.2f} | {target} |")
    if "paired" in r:
        p = r["paired"]
        lines += ["", f"Paired (a training epoch of each in turns, same process, {p['rounds']} rounds): "
                      f"fast {', '.join(f'{x:.1f}' for x in p['fast_img_s'])} img/s, "
                      f"device sums {', '.join(f'{x:.1f}' for x in p['sums_img_s'])} img/s, "
                      f"limit {', '.join(f'{x:.1f}' for x in p['limit_img_s'])} img/s; "
                      f"fast/limit median {p['median_ratio']:.2f} (rounds: {', '.join(f'{x:.2f}' for x in p['ratios'])}); "
                      f"fast/device-sums median {p['median_item_vs_sums']:.2f} "
                      f"(rounds: {', '.join(f'{x:.2f}' for x in p['item_vs_sums'])})."]
    if "fast" in r:
        f = r["fast"]
        lines += ["", f"Fast-path cache: {f['cache_mib']} MiB, built in {f['cache_build_s']:.1f} s, "
                      f"reloaded (memory-mapped) in {f['cache_reload_s']:.2f} s; on the device: {f['cache_on_device']}; "
                      f"{f['precision']}."]
    if report.get("scaling"):
        lines += ["", "| images | size | cache MiB | cache build s | data epoch s | train epoch s "
                      "| build µs/img | data µs/img | train ms/img | load avg |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for row in report["scaling"]:
            n, epoch = row["images"], row["epoch_s"]
            lines.append(f"| {n:,} | {row['size']} | {row['cache_mib']} | {row['build_s']} | {row['data_epoch_s']} "
                         f"| {fmt(epoch, 1)} | {1e6 * row['build_s'] / n:.0f} | {1e6 * row['data_epoch_s'] / n:.0f} "
                         f"| {fmt(epoch and 1e3 * epoch / n, 2)} | {row['load_before'][0]} → {row['load_after'][0]} |")
    lines += ["", f"`uptime` at the start: {report['uptime_start']}", f"`uptime` at the end: {report['uptime_end']}"]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data" / "dogs-vs-cats-200px"),
                        help="folder of cat.N.jpg / dog.N.jpg photos (or one with a flat train/)")
    parser.add_argument("--images", type=int, default=2000, help="photos to use, half cats, half dogs (75/25 split)")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: the best there is)")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="which of tutorial,classic,fast,device-sums,limit,paired to run (paired: fast, "
                             "device-sums and limit in turns)")
    parser.add_argument("--scale", default="1000,4000,25000", help="numbers of images for the scaling report ('' to skip)")
    parser.add_argument("--scale-size", type=int, default=32, help="image size for the scaling report")
    parser.add_argument("--scale-train-max", type=int, default=4000,
                        help="train an epoch in the scaling report only up to this many images")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads in each process (0: torch's default); 1 is faster on a busy machine")
    parser.add_argument("--out", default=str(HERE / "out"), help="where the JSON and Markdown go")
    parser.add_argument("--tag", default="", help="added to the output file names (e.g. gpu)")
    parser.add_argument("--wall", action="store_true",
                        help="time whole processes, start to exit, side by side: the tutorial and catdog train --fast")
    parser.add_argument("--compete", type=int, default=0, help="with --wall: busy processes competing for the CPU")
    parser.add_argument("--before", default=None,
                        help="with --wall: a folder holding an older catdog_lib, timed the same way (git archive)")
    parser.add_argument("--method", help=argparse.SUPPRESS)  # internal: run one method in this process
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.scale = [int(x) for x in args.scale.split(",") if x.strip()]

    if args.method:
        return run_method(args)

    out = Path(args.out)
    work = out / f"work{('-' + args.tag) if args.tag else ''}"
    data_dir = arrange(args.data, args.images, work / "data", seed=args.seed)
    n_train = sum(1 for _ in (data_dir / "train").rglob("*.jpg"))
    n_val = sum(1 for _ in (data_dir / "val").rglob("*.jpg"))
    uptime_start = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"benchmark: {n_train} train / {n_val} val photos at {args.size} px, {args.epochs} epochs; {uptime_start}",
          flush=True)

    if args.wall:
        report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
                  "size": args.size, "images": args.images, "epochs": args.epochs, "uptime_start": uptime_start,
                  **bench_wall(args, data_dir, work)}
        report["uptime_end"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        walls = {k: v["wall_s"] for k, v in report["commands"].items()}
        report["ratios"] = {f"tutorial/{k}": round(walls["tutorial"] / v, 2) for k, v in walls.items() if k != "tutorial"}
        out.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (out / f"wall-{stamp}.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2))
        return 0

    results = {}
    methods = [m for m in args.methods.split(",") if m]
    if args.scale:
        methods.append("scaling")
    passthrough = ["--data", args.data, "--size", str(args.size), "--epochs", str(args.epochs), "--seed", str(args.seed),
                   "--scale", ",".join(map(str, args.scale)), "--scale-size", str(args.scale_size), "--work", str(work),
                   "--scale-train-max", str(args.scale_train_max), "--threads", str(args.threads)]
    if args.device:
        passthrough += ["--device", args.device]
    for name in methods:
        print(f"--- {name}", flush=True)
        proc = subprocess.run([sys.executable, __file__, "--method", name, *passthrough],
                              capture_output=True, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
            results[name] = {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
            continue
        results[name] = json.loads(lines[-1][len("RESULT "):])
        shown = {k: v for k, v in results[name].items() if k not in ("epochs", "rows")}
        for line in proc.stdout.splitlines():
            if line.startswith(("paired round", "scaling:")):
                print("  " + line, flush=True)
        print(json.dumps(shown), flush=True)

    ok = {k: v for k, v in results.items() if "error" not in v}

    def ratio(a, b, key):
        if a in ok and b in ok and ok[a].get(key) and ok[b].get(key):
            return ok[a][key] / ok[b][key]
        return None

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
        "device": str(__import__("catdog_lib.hardware", fromlist=["pick_device"]).pick_device(args.device)),
        "size": args.size, "images": args.images, "n_train": n_train, "n_val": n_val, "epochs": args.epochs,
        "seed": args.seed, "threads": args.threads, "uptime_start": uptime_start,
        "uptime_end": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "results": {k: v for k, v in results.items() if k != "scaling"},
        "scaling": results.get("scaling", {}).get("rows"),
        "ratios": {
            "fast/tutorial loading": ratio("fast", "tutorial", "load_img_s"),
            "fast/tutorial training": ratio("fast", "tutorial", "train_img_s"),
            "fast/limit training": ratio("fast", "limit", "train_img_s"),
            "fast/classic training": ratio("fast", "classic", "train_img_s"),
            "fast/limit training, paired": ok.get("paired", {}).get("median_ratio"),
            "fast/device-sums training": ratio("fast", "device-sums", "train_img_s"),
            "fast/device-sums training, paired": ok.get("paired", {}).get("median_item_vs_sums"),
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    stem = "bench" + (f"-{args.tag}" if args.tag else "")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    table = markdown(report)
    for name in (f"{stem}-{stamp}", f"{stem}-latest"):
        (out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        (out / f"{name}.md").write_text(table)
    print(table)
    print(f"wrote {out / (stem + '-latest')}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
