"""What lesson 05 shows around training: curves that redraw after every epoch, and the tutorial's experiment.

- ``live_curves()``: a place in the notebook that ``update(history)`` redraws (pass it as ``on_epoch``).
- ``measure_loaders(...)``: how fast the learner's loaders (or the fast ones) feed the device, on a few
  hundred photos (``train.feed``).
- ``compare_starts(...)``: fine-tuning against a frozen backbone against random weights, on the same
  photos and budget, each trained by the learner's pieces through the one loop; a results table.
"""
import time
from dataclasses import dataclass, replace

from ..errors import CatdogError
from ..i18n import N_, tr
from ..train.recipe import default_lr


class LiveCurves:
    """A display that ``update(history)`` replaces with ``plot_history(history)``."""

    def __init__(self, waiting=None):
        from IPython.display import Markdown, display

        waiting = waiting or tr("*The curves appear here after the first epoch.*")
        self.handle = display(Markdown(waiting), display_id=True)

    def update(self, history):
        from ..plots import plot_history

        if history["val_acc"]:
            self.handle.update(plot_history(history))


def live_curves():
    """A ``LiveCurves`` shown where the cell runs: ``on_epoch=curves.update`` redraws it after each epoch."""
    return LiveCurves()


# ----- the device, and how fast the loaders feed it ----------------------------------------------------

FEED_BATCHES = {"cpu": 4}  # measured batches on a CPU: each step takes a while there
FEED_PHOTOS = 384          # "a few hundred photos" elsewhere


def feed_sample(data_dir, dest, photos):
    """A small ``train/`` and ``val/`` of ``data_dir``'s first training photos, as links in ``dest``: the
    photos every loader is measured on (about ``photos``, the same number of each class)."""
    from pathlib import Path

    data_dir, dest = Path(data_dir), Path(dest)
    classes = sorted(p.name for p in (data_dir / "train").iterdir() if p.is_dir())
    for name in classes:
        files = sorted(p for p in (data_dir / "train" / name).iterdir() if p.is_file())[:max(1, photos // len(classes))]
        for split in ("train", "val"):
            folder = dest / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for path in files if split == "train" else files[:2]:
                link = folder / path.name
                if not link.exists():
                    try:
                        link.symlink_to(path.resolve())
                    except OSError:  # no symbolic links here (some Windows set-ups): a copy
                        import shutil

                        shutil.copyfile(path, link)
    return dest


def measure_loaders(data_dir, pieces, settings, device, run_dir, fast=False, model=None):
    """Time the training steps on a few hundred photos fed by the learner's ``make_loaders`` (``settings``'
    batch size, size and workers) or, with ``fast``, by the fast loaders: a ``train.feed.Feed``.

    ``model``: the model to step (default: the learner's ``build_model`` with random weights; speed does not
    depend on the weights).
    """
    from ..train.fast import fast_loaders
    from ..train.feed import FEED_LABELS, measure_feed

    batches = FEED_BATCHES.get(device.type, max(3, FEED_PHOTOS // settings.batch_size))
    sample = feed_sample(data_dir, run_dir / "feed-sample", settings.batch_size * (batches + 1))
    if model is None:
        model = pieces["build_model"](2, weights=None)
    if fast:
        loaders, _ = fast_loaders(sample, settings.batch_size, settings.size, device, settings.seed,
                                  progress=False)
    else:
        loaders, _ = pieces["make_loaders"](sample, batch_size=settings.batch_size, num_workers=settings.workers,
                                            size=settings.size)
    label = tr(FEED_LABELS["fast" if fast else "yours"], workers=settings.workers)
    return measure_feed(loaders["train"], model, device, batches=batches, label=label)


# ----- the experiment: what do ImageNet's weights buy? ------------------------------------------------

STARTS = (
    ("fine-tuned", N_("ImageNet weights, every layer learns (what this lesson trained)"), "DEFAULT", False),
    ("frozen", N_("ImageNet weights, backbone frozen: only the new fc learns"), "DEFAULT", True),
    ("random", N_("random weights: everything to learn"), None, False),
)  # the start of each row is shown through tr
SMALL_ON_CPU = {"size": 64, "subset": 400, "epochs": 2}


@dataclass
class Outcome:
    """One row of the experiment: how it started, and what it reached (``None`` where it could not run)."""

    key: str
    start: str
    best_val_acc: "float | None" = None
    train_acc: "float | None" = None
    seconds: "float | None" = None
    lr: "float | None" = None
    note: str = ""


def experiment_settings(settings, on_cpu):
    """The budget of the experiment: the lesson's own on a GPU, a small one on a CPU (so it takes a minute)."""
    if not on_cpu:
        return settings
    small = {name: min(getattr(settings, name) or value, value) for name, value in SMALL_ON_CPU.items()}
    return replace(settings, **small)


def compare_starts(photos, pieces, settings, device, run_dir, done=None, report=print):
    """Train the three starts of ``STARTS`` on the same photos and budget; return a ``Comparison``.

    ``photos`` is ``get_photos``'s, arranged again by the learner's data
    pieces when the budget differs from the lesson's. Each run goes through
    ``train_on_folder`` with ``pieces`` and a checkpoint of its own in
    ``run_dir`` (a disconnect costs one epoch). ``done``: the lesson's own
    run (a ``TrainingRun``), reused as the row it matches instead of trained
    again. ImageNet's weights are fine-tuned at the lesson's learning rate;
    random ones train with the from-scratch recipe at its own rate
    (``recipe.FROM_SCRATCH``, chosen by ``train_on_folder`` for ``weights=None``).
    """
    from ..train.run import train_on_folder
    from ..train.weights import ensure_pretrained_weights, pretrained_weights_path
    from .photos import arrange_photos

    budget = experiment_settings(settings, device.type == "cpu")
    fine_lr = settings.lr if settings.weights else default_lr(budget.batch_size)
    same_budget = all(getattr(budget, n) == getattr(settings, n) for n in ("size", "subset", "epochs"))
    data_dir = None
    outcomes = []
    for key, start, weights, frozen in STARTS:
        lr = fine_lr if weights else default_lr(budget.batch_size, weights=None)
        reused = done is not None and same_budget and done.identity.get("weights") == str(weights or "none") \
            and done.identity.get("freeze_backbone") == frozen
        if reused:
            outcomes.append(Outcome(key, start, done.best_val_acc, done.history["train_acc"][-1], None,
                                    done.identity.get("lr"), tr("the lesson's run above")))
            continue
        if weights:
            try:
                ensure_pretrained_weights(weights, progress=False)
            except CatdogError:
                where = pretrained_weights_path(weights)
                outcomes.append(Outcome(key, start, note=tr("not run: it needs ImageNet's weights ({file}), neither "
                                                            "in torch's cache nor downloadable here", file=where.name)))
                continue
        if data_dir is None:
            data_dir = arrange_photos(photos, budget, pieces, report=report)
        report(f"--- {tr(start)}")
        began = time.perf_counter()
        run = train_on_folder(data_dir, pieces=pieces, fast=budget.use_fast, epochs=budget.epochs, size=budget.size,
                              batch_size=budget.batch_size, lr=lr, weights=weights, freeze_backbone=frozen,
                              device=device, workers=budget.workers, seed=budget.seed,
                              checkpoint=run_dir / f"compare-{key}-{budget.size}px-{budget.subset or 'all'}.pt")
        outcomes.append(Outcome(key, start, run.best_val_acc, run.history["train_acc"][-1],
                                time.perf_counter() - began, lr))
    return Comparison(outcomes, budget)


class Comparison:
    """The experiment's results: a table (HTML in a notebook) and a sentence on what it shows."""

    def __init__(self, outcomes, budget):
        self.outcomes, self.budget = outcomes, budget

    def by_key(self, key):
        return next(o for o in self.outcomes if o.key == key)

    def sentence(self):
        """What the table shows, from its own numbers."""
        done = {o.key: o.best_val_acc for o in self.outcomes if o.best_val_acc is not None}
        if "random" in done and "fine-tuned" in done:
            gap = done["fine-tuned"] - done["random"]
            frozen = tr(", and the frozen backbone, training only the 1,026 weights of fc, reached {frozen:.0%}",
                        frozen=done["frozen"]) if "frozen" in done else ""
            if gap > 0.05:
                return tr("On the same photos and budget, fine-tuning from ImageNet's weights reached {fine:.0%} "
                          "against {random:.0%} from random weights{frozen}: the features learned on 1.2 million "
                          "photos do most of the work, which is why the tutorial starts from them.",
                          fine=done["fine-tuned"], random=done["random"], frozen=frozen)
            return tr("Here fine-tuning reached {fine:.0%} and random weights {random:.0%}{frozen}: this budget is "
                      "too small to tell them apart; on a GPU, with all the photos, ImageNet's weights win by far.",
                      fine=done["fine-tuned"], random=done["random"], frozen=frozen)
        if "random" in done:
            return tr("From random weights the model reached {random:.0%} on this budget. The two rows that start "
                      "from ImageNet's weights need them (see the note): with them, fine-tuning lands far higher on "
                      "the same photos, which is the point of transfer learning.", random=done["random"])
        return tr("Each row trained the same way; compare their best validation accuracies.")

    def rows(self):
        def pct(value):
            return "–" if value is None else f"{value:.1%}"

        return [(tr(o.start), pct(o.best_val_acc), pct(o.train_acc), "–" if o.lr is None else f"{o.lr:g}",
                 "–" if o.seconds is None else f"{o.seconds:.0f} s", o.note) for o in self.outcomes]

    HEADER = (N_("start"), N_("best val accuracy"), N_("last train accuracy"), "lr", N_("time"), "")

    def header(self):
        return tuple(tr(h) if h else h for h in self.HEADER)

    def budget_line(self):
        b = self.budget
        return tr("Same budget for every row: {photos} photos at {size} px, {epochs} epoch(s), batch {batch}.",
                  photos=b.subset or tr("all"), size=b.size, epochs=b.epochs, batch=b.batch_size)

    def __str__(self):
        rows = [self.header(), *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEADER))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join([self.budget_line(), *lines, self.sentence()])

    __repr__ = __str__

    def _repr_html_(self):
        import html

        e = html.escape
        head = "".join(f"<th style='text-align:left'>{e(h)}</th>" for h in self.header())
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{e(c)}</td>" for c in row) + "</tr>"
                       for row in self.rows())
        return (f"<p>{e(self.budget_line())}</p><table><tr>{head}</tr>{body}</table>"
                f"<p><b>{e(tr('What it shows:'))}</b> {e(self.sentence())}</p>")
