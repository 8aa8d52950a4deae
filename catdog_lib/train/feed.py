"""How fast the loaders feed the device: the time a training step waits for data against the time it computes.

A training step is two things in turn: get the next batch from the loader
(the CPU opens, decodes, crops and normalizes JPEGs, unless the batch is
ready), then forward, backward and the optimizer's step on the device. When
the first takes longer than the second, the device waits: the loaders, not
the GPU, set the pace. ``measure_feed`` times both for each batch of a few
hundred photos; ``device_limit`` times the second alone, on random tensors
already on the device (what no loader can beat). ``plot_feed`` shows them.

The steps run the way training runs them (the same precision, the
``channels_last`` layout on a GPU), and each ends with a synchronisation, so
that the time a GPU computes is counted where it is spent.
"""
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from ..i18n import N_, tr
from .amp import choose_precision

FEED_LABELS = {"yours": N_("your make_loaders ({workers} workers)"),
               "fast": N_("the fast loaders (decoded once, augmented on the device)")}


@dataclass
class Feed:
    """What one measure found: ``label``, the batch size, and per measured batch the seconds spent
    waiting for it (``wait``) and computing on it (``compute``)."""

    label: str
    batch_size: int
    wait: list = field(default_factory=list)
    compute: list = field(default_factory=list)

    @property
    def delivered(self):
        """Images per second the loader delivered (batches over the time waited for them)."""
        return self.batch_size * len(self.wait) / max(sum(self.wait), 1e-9)

    @property
    def trained(self):
        """Images per second training ran at with this loader (waiting and computing)."""
        return self.batch_size * len(self.wait) / max(sum(self.wait) + sum(self.compute), 1e-9)

    @property
    def waiting_share(self):
        """The share of a step spent waiting for data."""
        return sum(self.wait) / max(sum(self.wait) + sum(self.compute), 1e-9)


def synchronize(device):
    """Wait for the device to finish what it was given (CUDA and MPS run asynchronously)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _stepper(model, device):
    """One training step on ``(inputs, labels)``, as the loop runs it (precision, layout), synchronised."""
    model.to(device).train()
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    precision = choose_precision(device)

    def step(inputs, labels):
        inputs = inputs.to(device, non_blocking=True)
        labels = labels.to(device, non_blocking=True)
        if inputs.dim() == 4 and device.type == "cuda":
            inputs = inputs.contiguous(memory_format=torch.channels_last)
        with precision.around(criterion, optimizer) as (loss_of, stepping):
            stepping.zero_grad()
            loss_of(model(inputs), labels).backward()
            stepping.step()
        synchronize(device)

    return step


def measure_feed(loader, model, device, batches=8, label="", warmup=1):
    """Train ``model`` on ``batches`` batches of ``loader``, timing each step's wait for data and its
    computation: a ``Feed``. The first ``warmup`` batches (worker start-up, first allocations) are not counted.

    The model's weights change (a small learning rate): give it a copy, or a model built for the measure.
    """
    device = torch.device(device)
    step = _stepper(model, device)
    feed = Feed(label, getattr(loader, "batch_size", None) or 0)
    batches_iter = iter(loader)
    for index in range(warmup + batches):
        began = time.perf_counter()
        try:
            inputs, labels = next(batches_iter)
        except StopIteration:
            break
        ready = time.perf_counter()
        step(inputs, labels)
        done = time.perf_counter()
        if not feed.batch_size:
            feed.batch_size = int(labels.size(0))
        if index >= warmup:
            feed.wait.append(ready - began)
            feed.compute.append(done - ready)
    del batches_iter  # ends a DataLoader's worker processes now
    return feed


def device_limit(model, device, batch_size, size, batches=8, warmup=1):
    """The same steps on random tensors already on the device: a ``Feed`` whose waits are zero, and whose
    ``trained`` rate is the most images per second any loader could reach with this model here."""
    device = torch.device(device)
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(batch_size, 3, size, size, generator=generator).to(device)
    labels = torch.randint(0, 2, (batch_size,), generator=generator).to(device)
    step = _stepper(model, device)
    feed = Feed(tr("random tensors already on the device"), batch_size)
    for index in range(warmup + batches):
        began = time.perf_counter()
        step(inputs, labels)
        if index >= warmup:
            feed.wait.append(0.0)
            feed.compute.append(time.perf_counter() - began)
    return feed


def describe_feed(feed, limit=None):
    """One line: how fast a loader delivered, how fast training ran with it, and against the limit."""
    line = tr("{label}: delivers {delivered:,.0f} images/s; training with it ran at {trained:,.0f} images/s, "
              "{waiting:.0%} of each step waiting for data",
              label=feed.label, delivered=feed.delivered, trained=feed.trained, waiting=feed.waiting_share)
    if limit is not None:
        line += tr(" (the device alone: {limit:,.0f} images/s)", limit=limit.trained)
    return line


def plot_feed(feeds, limit=None):
    """A bar per measure: the milliseconds a step waits for data and computes, per batch on average, with
    each one's images per second; ``limit`` (``device_limit``'s) as the device alone."""
    from ..plots import _new_figure, plot_language

    lang = plot_language()
    rows = list(feeds) + ([limit] if limit is not None else [])
    fig, axes = _new_figure(1, 1, figsize=(9, 1.1 + 0.7 * len(rows)))
    ax = axes[0][0]
    names = [row.label for row in rows]
    wait = [1000 * sum(row.wait) / max(len(row.wait), 1) for row in rows]
    compute = [1000 * sum(row.compute) / max(len(row.compute), 1) for row in rows]
    positions = list(range(len(rows)))[::-1]
    ax.barh(positions, wait, color="tab:orange", label=tr("waiting for data", lang=lang))
    ax.barh(positions, compute, left=wait, color="tab:blue", label=tr("computing (forward, backward, step)", lang=lang))
    for y, row, w, c in zip(positions, rows, wait, compute):
        ax.text(w + c, y, "  " + tr("{rate:,.0f} images/s", lang=lang, rate=row.trained), va="center")
    ax.set_yticks(positions)
    ax.set_yticklabels(names)
    ax.set_xlabel(tr("milliseconds per batch of {batch}", lang=lang, batch=rows[0].batch_size if rows else 0))
    ax.set_xlim(0, max([w + c for w, c in zip(wait, compute)] or [1]) * 1.35)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize="small", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
