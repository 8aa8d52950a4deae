"""Lesson 05's training path as a script, with a learner's ten pieces, for a machine with no Jupyter.

    python bench/lesson05_gpu.py --photos bench/gpu_data/photos --size 224 --epochs 2 --out $OUT

What lesson 05 does, in its order, without a notebook: the settings (as
``load_settings`` makes them on this device), a learner's pieces (one
passing version of each, from ``tests/checks/good/``, loaded as lesson 05
loads them and counted), the photos labelled, split and arranged by those
pieces, the loaders measured against the device (``train.feed``: the
learner's ``make_loaders`` with a worker per core, the fast loaders, and the
device alone on random tensors), then ``train_on_folder`` with the learner's
loaders and again with the fast loaders. Random weights (ImageNet's cannot
be downloaded there). Reports images/s, the limit, val accuracy, peak GPU
memory and which pieces ran, as JSON (``lesson05-<device>.json`` in
``--out``) and as lines.
"""
import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def learner_pieces_from_examples():
    """Lesson 05's ``LessonPieces``: one correct learner's version of every piece, each 'yours'."""
    from catdog_lib.course.learner import Choice, LessonPieces
    from catdog_lib.course.pieces import PIECE_NAMES, load_piece

    choices = {}
    for name in PIECE_NAMES:
        path = sorted((ROOT / "tests" / "checks" / "good" / name).glob("*.py"))[0]
        choices[name] = Choice(name, load_piece(name, path), True, f"a learner's ({path.name})")
    return LessonPieces(choices)


def peak_gpu_mib(device):
    import torch

    if device.type != "cuda":
        return None
    return round(torch.cuda.max_memory_allocated(device) / 2 ** 20)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", default=str(ROOT / "bench" / "gpu_data" / "photos"))
    parser.add_argument("--images", type=int, default=4000)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--workers", type=int, default=None, help="default: lesson 05's (a worker per core on a GPU)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    parser.add_argument("--paths", default="classic,fast", help="which loaders train: classic (the learner's), fast")
    args = parser.parse_args(argv)

    import torch

    from catdog_lib.notebook.settings import load_settings
    from catdog_lib.notebook.training import measure_loaders
    from catdog_lib.train.feed import describe_feed, device_limit
    from catdog_lib.train.recipe import default_lr
    from catdog_lib.train.run import train_on_folder

    torch.backends.cudnn.benchmark = True
    pieces = learner_pieces_from_examples()
    device = pieces.pick_device(args.device)
    env = {"CATDOG_DEVICE": device.type, "CATDOG_WEIGHTS": "none"}
    if args.workers is not None:
        env["CATDOG_WORKERS"] = str(args.workers)
    settings = load_settings(size=args.size, epochs=args.epochs, batch_size=args.batch_size, env=env)
    settings.lr = default_lr(settings.batch_size, weights=None)
    report = {"device": str(device), "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
              "torch": torch.__version__, "size": settings.size, "epochs": settings.epochs,
              "batch_size": settings.batch_size, "workers": settings.workers, "lr": settings.lr}
    print(f"lesson 05 on {report['gpu'] or device}: {settings.summary()}", flush=True)

    work = Path(args.out) / f"lesson05-work-{device.type}"
    photos = sorted(Path(args.photos).glob("*.jpg"))
    cats = [p for p in photos if p.name.startswith("cat.")][:args.images // 2]
    dogs = [p for p in photos if p.name.startswith("dog.")][:args.images // 2]
    items = [(p, pieces.label_from_filename(p)) for p in cats + dogs]
    train, val = pieces.split_items(items, val_fraction=0.25, seed=0)
    data_dir = work / "data"
    if not data_dir.exists():
        pieces.arrange_imagefolder(train, val, data_dir)
    report.update(train=len(train), val=len(val))

    model = pieces.build_model(2, weights=None)
    limit = device_limit(model, device, settings.batch_size, settings.size)
    feeds = {"yours": measure_loaders(data_dir, pieces, settings, device, work, model=model),
             "fast": measure_loaders(data_dir, pieces, settings, device, work, fast=True, model=model)}
    report["limit_img_s"] = round(limit.trained)
    for key, feed in feeds.items():
        print(describe_feed(feed, limit), flush=True)
        report[f"feed_{key}"] = {"delivered_img_s": round(feed.delivered), "trained_img_s": round(feed.trained),
                                 "waiting_share": round(feed.waiting_share, 3)}

    for path in [p for p in args.paths.split(",") if p]:
        if device.type == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats(device)
        began = time.perf_counter()
        run = train_on_folder(data_dir, pieces=pieces, fast=path == "fast", epochs=settings.epochs, size=settings.size,
                              batch_size=settings.batch_size, lr=settings.lr, weights=None, device=device,
                              workers=settings.workers, seed=settings.seed, cache_dir=work / "cache", bars=False)
        seconds = time.perf_counter() - began
        report[path] = {"seconds": round(seconds, 1), "epochs_img_s": round(len(train) * settings.epochs / seconds),
                        "best_val_acc": round(run.best_val_acc, 4), "history": run.history,
                        "peak_gpu_mib": peak_gpu_mib(device)}
        print(f"{path}: {seconds:.1f} s for {settings.epochs} epochs ({report[path]['epochs_img_s']} train images/s "
              f"with the val passes), best val accuracy {run.best_val_acc:.3f}, peak GPU memory "
              f"{report[path]['peak_gpu_mib']} MiB", flush=True)
    table = pieces.table(fast="fast" in args.paths.split(",")[-1:])
    print(table, flush=True)
    report["pieces_ran"] = {name: pieces.calls[name] for name in pieces}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / f"lesson05-{device.type}.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
