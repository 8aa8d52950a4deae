"""Benchmark: the tutorial loop, the kit's classic path, the fast path, and the limit, in one run.

    .venv/bin/python bench/bench_train.py --data ../shared/data/dogs-vs-cats-200px --size 64 --epochs 2

Same model (ResNet18, ``weights=None``), image size, split, epochs and seed
for all four:

- tutorial: the PyTorch transfer-learning tutorial as published: ImageFolder,
  v1 PIL transforms, batch 4, ``num_workers=4`` (at most the cores), fp32,
  SGD lr 0.001 momentum 0.9, StepLR(7, 0.1), ``.item()`` every batch;
- classic: the kit's pieces, ``make_loaders`` + ``run_epoch`` as
  ``train_model`` runs them, batch 64 (256 on a GPU), workers = cores (at most 8);
- fast: ``catdog_lib.train.fast``: cache, batch augmentation on the device,
  channels_last, mixed precision on CUDA, no per-batch sync;
- limit: the same model and batch as the fast path, trained on random
  tensors already on the device: no data loading at all.

Each method runs in its own process (its peak memory is its own). Reports
images per second for loading alone and for training, val accuracy after
the last epoch, peak memory, the ratios fast/tutorial and fast/limit, the
system load around each run, and the scaling of the cache (build time,
memory, epoch time) with 1k, 4k and 25k images (25k by reusing files).
Writes ``bench/out/bench-<time>.json`` and ``.md`` (and ``latest.*``).
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
METHODS = ("tutorial", "classic", "fast", "limit", "paired")


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
    load_ips = time_loader(dataloaders["train"], device)

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


def bench_classic(args, data_dir, device):
    import torch
    from torch import nn

    from catdog_lib import make_loaders, run_epoch

    batch = 256 if device.type == "cuda" else 64
    workers = min(8, os.cpu_count() or 1)
    torch.manual_seed(args.seed)
    loaders, _ = make_loaders(data_dir, batch_size=batch, num_workers=workers, size=args.size)
    load_ips = time_loader(loaders["train"], device)
    model = new_model(args.seed, device)
    criterion = nn.CrossEntropyLoss()
    lr = 0.001 * batch / 4  # the tutorial's rate, scaled with the batch
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    train_time, epochs = 0.0, []
    for epoch in range(args.epochs):  # the body of train_model, timed
        start = time.perf_counter()
        train_loss, train_acc = run_epoch(model, loaders["train"], criterion, device, optimizer)
        train_time += time.perf_counter() - start
        scheduler.step()
        val_loss, val_acc = run_epoch(model, loaders["val"], criterion, device)
        epochs.append({"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss, "val_acc": val_acc})
    n_train = len(loaders["train"].dataset)
    return {"batch_size": batch, "workers": workers, "lr": lr, "load_img_s": load_ips,
            "train_img_s": n_train * args.epochs / train_time, "val_acc": epochs[-1]["val_acc"], "epochs": epochs}


def bench_fast(args, data_dir, device, cache_dir):
    import torch
    from torch import nn

    from catdog_lib.train.amp import amp_dtype
    from catdog_lib.train.augment import train_batch
    from catdog_lib.train.fast import load_split, run_fast_epoch
    from catdog_lib.train.recipe import fast_batch_size

    shutil.rmtree(cache_dir, ignore_errors=True)  # time a fresh build
    start = time.perf_counter()
    train_data, class_names = load_split(Path(data_dir) / "train", args.size, device, cache_dir, progress=False)
    val_data, _ = load_split(Path(data_dir) / "val", args.size, device, cache_dir, progress=False,
                             class_names=class_names)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    load_split(Path(data_dir) / "train", args.size, device, cache_dir, progress=False)
    reload_s = time.perf_counter() - start

    batch = fast_batch_size(device)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    order = torch.randperm(len(train_data), generator=torch.Generator().manual_seed(args.seed))
    sync(device)
    start = time.perf_counter()
    for i in range(0, len(train_data), batch):  # loading alone: fetch, crop, flip, normalize
        images, labels = train_data.batch(order[i:i + batch])
        train_batch(images, args.size, generator).contiguous(memory_format=torch.channels_last)
    sync(device)
    load_ips = len(train_data) / (time.perf_counter() - start)

    model = new_model(args.seed, device, channels_last=True)
    criterion = nn.CrossEntropyLoss()
    lr = 0.001 * batch / 4
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
    dtype = amp_dtype(device)
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    train_time, epochs = 0.0, []
    for epoch in range(args.epochs):  # the loop of fit_fast, timed
        gen = torch.Generator(device=device).manual_seed(args.seed * 100_003 + epoch)
        order_gen = torch.Generator().manual_seed(args.seed * 100_003 + epoch)
        sync(device)
        start = time.perf_counter()
        train_loss, train_acc = run_fast_epoch(model, train_data, criterion, args.size, batch, optimizer, scaler,
                                               gen, order_gen, dtype, progress=False)
        train_time += time.perf_counter() - start
        scheduler.step()
        val_loss, val_acc = run_fast_epoch(model, val_data, criterion, args.size, batch, autocast_dtype=dtype,
                                           progress=False)
        epochs.append({"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss, "val_acc": val_acc})
    n = len(train_data) + len(val_data)
    return {"batch_size": batch, "lr": lr, "amp": str(dtype), "cache_on_device": train_data.on_device,
            "cache_build_s": build_s, "cache_reload_s": reload_s,
            "cache_mib": round(n * 3 * train_data.images.shape[-1] ** 2 / 2 ** 20, 1),
            "load_img_s": load_ips, "train_img_s": len(train_data) * args.epochs / train_time,
            "val_acc": epochs[-1]["val_acc"], "epochs": epochs}


def bench_limit(args, data_dir, device):
    import torch
    from torch import nn

    from catdog_lib.train.amp import amp_dtype, amp_step
    from catdog_lib.train.recipe import fast_batch_size

    n_train = sum(1 for _ in Path(data_dir, "train").rglob("*.jpg"))
    batch = fast_batch_size(device)
    model = new_model(args.seed, device, channels_last=True)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001 * batch / 4, momentum=0.9)
    dtype = amp_dtype(device)
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    inputs = torch.randn(batch, 3, args.size, args.size, device=device).contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, 2, (batch,), device=device)
    steps = args.epochs * -(-n_train // batch)
    model.train()
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        amp_step(model, criterion, inputs, labels, optimizer, dtype, scaler)  # the fast path's own step
    sync(device)
    return {"batch_size": batch, "amp": str(dtype), "train_img_s": steps * batch / (time.perf_counter() - start),
            "load_img_s": None, "val_acc": None}


def bench_paired(args, data_dir, device, cache_dir, rounds=4):
    """Fast path and limit in turns, epoch by epoch, in one process: their ratio, free of the load's drift.

    On a shared machine the load changes from minute to minute, so two
    methods run one after the other are not compared fairly. Here each round
    times one fast-path training epoch and the limit on the same batch sizes,
    in alternating order; we report the median of the rounds' ratios.
    """
    import statistics

    import torch
    from torch import nn

    from catdog_lib.train.amp import amp_dtype, amp_step
    from catdog_lib.train.fast import load_split, run_fast_epoch
    from catdog_lib.train.recipe import fast_batch_size

    train_data, _ = load_split(Path(data_dir) / "train", args.size, device, cache_dir, progress=False)
    batch = fast_batch_size(device)
    dtype = amp_dtype(device)
    criterion = nn.CrossEntropyLoss()
    models, optimizers, scalers = [], [], []
    for _ in range(2):
        model = new_model(args.seed, device, channels_last=True)
        models.append(model)
        optimizers.append(torch.optim.SGD(model.parameters(), lr=0.001 * batch / 4, momentum=0.9))
        scalers.append(torch.amp.GradScaler("cuda") if dtype == torch.float16 else None)
    n = len(train_data)
    sizes = [min(batch, n - i) for i in range(0, n, batch) if n - i >= 2]
    inputs = torch.randn(batch, 3, args.size, args.size, device=device).contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, 2, (batch,), device=device)
    fast_ips, limit_ips = [], []
    def fast_epoch(r):
        sync(device)
        start = time.perf_counter()
        run_fast_epoch(models[0], train_data, criterion, args.size, batch, optimizers[0], scalers[0],
                       torch.Generator(device=device).manual_seed(r), torch.Generator().manual_seed(r), dtype,
                       progress=False)
        fast_ips.append(n / (time.perf_counter() - start))

    def limit_epoch():
        model, optimizer, scaler = models[1], optimizers[1], scalers[1]
        model.train()
        sync(device)
        start = time.perf_counter()
        for k in sizes:  # the same batches, by size, as the fast epoch
            amp_step(model, criterion, inputs[:k], labels[:k], optimizer, dtype, scaler)
        sync(device)
        limit_ips.append(sum(sizes) / (time.perf_counter() - start))

    for r in range(rounds):
        if r % 2 == 0:  # alternate which goes first, so a rising or falling load favours neither
            fast_epoch(r)
            limit_epoch()
        else:
            limit_epoch()
            fast_epoch(r)
        print(f"paired round {r + 1}: fast {fast_ips[-1]:.1f} img/s, limit {limit_ips[-1]:.1f} img/s, "
              f"load {load_now()[0]}", flush=True)
    ratios = [f / l for f, l in zip(fast_ips, limit_ips)]
    return {"batch_size": batch, "rounds": rounds, "fast_img_s": fast_ips, "limit_img_s": limit_ips,
            "ratios": ratios, "median_ratio": statistics.median(ratios),
            "train_img_s": statistics.median(fast_ips), "load_img_s": None, "val_acc": None}


def bench_scaling(args, device, cache_dir):
    """Cache build time and memory, the data side of an epoch, and one fast-path training epoch, at several sizes.

    The training epoch is skipped above ``--scale-train-max`` images (on a
    shared 2-core CPU an epoch of 25k images takes many minutes).
    """
    import torch
    from torch import nn

    from catdog_lib.train.amp import amp_dtype
    from catdog_lib.train.augment import train_batch
    from catdog_lib.train.cache import cache_side, load_or_build_cache
    from catdog_lib.train.fast import CachedImages, run_fast_epoch
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
        data = CachedImages(array, labels, device)
        generator = torch.Generator(device=device).manual_seed(0)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(0))
        sync(device)
        start = time.perf_counter()
        for i in range(0, n, batch):  # the data side of an epoch: fetch, crop, flip, normalize
            images, _ = data.batch(order[i:i + batch])
            train_batch(images, args.scale_size, generator)
        sync(device)
        data_epoch_s = time.perf_counter() - start
        row = {"images": n, "size": args.scale_size, "cache_side": cache_side(args.scale_size),
               "cache_mib": round(array.nbytes / 2 ** 20, 1), "build_s": round(build_s, 2),
               "data_epoch_s": round(data_epoch_s, 3), "epoch_s": None}
        if n > args.scale_train_max:
            rows.append(dict(row, load_before=load_before, load_after=load_now()))
            print(f"scaling: {rows[-1]}", flush=True)
            del data, array
            continue
        model = new_model(args.seed, device, channels_last=True)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.001 * batch / 4, momentum=0.9)
        dtype = amp_dtype(device)
        scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
        sync(device)
        start = time.perf_counter()
        run_fast_epoch(model, data, nn.CrossEntropyLoss(), args.scale_size, batch, optimizer, scaler,
                       torch.Generator(device=device).manual_seed(0), torch.Generator().manual_seed(0), dtype,
                       progress=False)
        row["epoch_s"] = round(time.perf_counter() - start, 2)
        rows.append(dict(row, load_before=load_before, load_after=load_now()))
        print(f"scaling: {rows[-1]}", flush=True)
        del data, array
    shutil.rmtree(cache_dir, ignore_errors=True)
    return rows


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
    if args.method == "tutorial":
        result = bench_tutorial(args, data_dir, device)
    elif args.method == "classic":
        result = bench_classic(args, data_dir, device)
    elif args.method == "fast":
        result = bench_fast(args, data_dir, device, Path(args.work) / "cache")
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
    for name in METHODS[:4]:
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
                        ("fast/limit training, paired", "≥ 0.9 (CPU), ≥ 0.85 (GPU)"), ("fast/classic training", "")):
        if ratios.get(key) is not None:
            lines.append(f"| {key} | {ratios[key]:.2f} | {target} |")
    if "paired" in r:
        p = r["paired"]
        lines += ["", f"Paired (fast-path epoch and limit in turns, same process, {p['rounds']} rounds): "
                      f"fast {', '.join(f'{x:.1f}' for x in p['fast_img_s'])} img/s, "
                      f"limit {', '.join(f'{x:.1f}' for x in p['limit_img_s'])} img/s; "
                      f"fast/limit median {p['median_ratio']:.2f} (rounds: {', '.join(f'{x:.2f}' for x in p['ratios'])})."]
    if "fast" in r:
        f = r["fast"]
        lines += ["", f"Fast-path cache: {f['cache_mib']} MiB, built in {f['cache_build_s']:.1f} s, "
                      f"reloaded (memory-mapped) in {f['cache_reload_s']:.2f} s; on the device: {f['cache_on_device']}; "
                      f"autocast: {f['amp']}."]
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
                        help="which of tutorial,classic,fast,limit,paired to run (paired: fast and limit in turns)")
    parser.add_argument("--scale", default="1000,4000,25000", help="numbers of images for the scaling report ('' to skip)")
    parser.add_argument("--scale-size", type=int, default=32, help="image size for the scaling report")
    parser.add_argument("--scale-train-max", type=int, default=4000,
                        help="train an epoch in the scaling report only up to this many images")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads in each process (0: torch's default); 1 is faster on a busy machine")
    parser.add_argument("--out", default=str(HERE / "out"), help="where the JSON and Markdown go")
    parser.add_argument("--tag", default="", help="added to the output file names (e.g. gpu)")
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
