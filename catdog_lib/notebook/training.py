"""What lesson 05 shows around training: curves that redraw after every epoch, and the tutorial's experiment.

- ``live_curves()``: a place in the notebook that ``update(history)`` redraws (pass it as ``on_epoch``).
- ``compare_starts(...)``: fine-tuning against a frozen backbone against random weights, on the same
  photos and budget, each trained by the learner's pieces through the one loop; a results table.
"""
import time
from dataclasses import dataclass, replace

from ..errors import CatdogError
from ..train.recipe import default_lr


class LiveCurves:
    """A display that ``update(history)`` replaces with ``plot_history(history)``."""

    def __init__(self, waiting="*The curves appear here after the first epoch.*"):
        from IPython.display import Markdown, display

        self.handle = display(Markdown(waiting), display_id=True)

    def update(self, history):
        from ..plots import plot_history

        if history["val_acc"]:
            self.handle.update(plot_history(history))


def live_curves():
    """A ``LiveCurves`` shown where the cell runs: ``on_epoch=curves.update`` redraws it after each epoch."""
    return LiveCurves()


# ----- the experiment: what do ImageNet's weights buy? ------------------------------------------------

STARTS = (
    ("fine-tuned", "ImageNet weights, every layer learns (what this lesson trained)", "DEFAULT", False),
    ("frozen", "ImageNet weights, backbone frozen: only the new fc learns", "DEFAULT", True),
    ("random", "random weights: everything to learn", None, False),
)
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
                                    done.identity.get("lr"), "the lesson's run above"))
            continue
        if weights:
            try:
                ensure_pretrained_weights(weights, progress=False)
            except CatdogError:
                where = pretrained_weights_path(weights)
                outcomes.append(Outcome(key, start, note=f"not run: it needs ImageNet's weights ({where.name}), "
                                                         f"neither in torch's cache nor downloadable here"))
                continue
        if data_dir is None:
            data_dir = arrange_photos(photos, budget, pieces, report=report)
        report(f"--- {start}")
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
            frozen = (f", and the frozen backbone, training only the 1,026 weights of fc, reached "
                      f"{done['frozen']:.0%}") if "frozen" in done else ""
            if gap > 0.05:
                return (f"On the same photos and budget, fine-tuning from ImageNet's weights reached "
                        f"{done['fine-tuned']:.0%} against {done['random']:.0%} from random weights{frozen}: "
                        f"the features learned on 1.2 million photos do most of the work, which is why the "
                        f"tutorial starts from them.")
            return (f"Here fine-tuning reached {done['fine-tuned']:.0%} and random weights {done['random']:.0%}"
                    f"{frozen}: this budget is too small to tell them apart; on a GPU, with all the photos, "
                    f"ImageNet's weights win by far.")
        if "random" in done:
            return (f"From random weights the model reached {done['random']:.0%} on this budget. The two rows "
                    f"that start from ImageNet's weights need them (see the note): with them, fine-tuning lands "
                    f"far higher on the same photos, which is the point of transfer learning.")
        return "Each row trained the same way; compare their best validation accuracies."

    def rows(self):
        def pct(value):
            return "–" if value is None else f"{value:.1%}"

        return [(o.start, pct(o.best_val_acc), pct(o.train_acc), "–" if o.lr is None else f"{o.lr:g}",
                 "–" if o.seconds is None else f"{o.seconds:.0f} s", o.note) for o in self.outcomes]

    HEADER = ("start", "best val accuracy", "last train accuracy", "lr", "time", "")

    def budget_line(self):
        b = self.budget
        return (f"Same budget for every row: {b.subset or 'all'} photos at {b.size} px, {b.epochs} epoch(s), "
                f"batch {b.batch_size}.")

    def __str__(self):
        rows = [self.HEADER, *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.HEADER))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join([self.budget_line(), *lines, self.sentence()])

    __repr__ = __str__

    def _repr_html_(self):
        import html

        e = html.escape
        head = "".join(f"<th style='text-align:left'>{e(h)}</th>" for h in self.HEADER)
        body = "".join("<tr>" + "".join(f"<td style='text-align:left'>{e(c)}</td>" for c in row) + "</tr>"
                       for row in self.rows())
        return (f"<p>{e(self.budget_line())}</p><table><tr>{head}</tr>{body}</table>"
                f"<p><b>What it shows:</b> {e(self.sentence())}</p>")
