"""The knobs of a lesson, read from ``CATDOG_*`` environment variables.

Each notebook has one settings cell::

    settings = load_settings(size=224, epochs=5, cpu=dict(size=112, epochs=2, subset=1000))
    settings

The keyword arguments are that lesson's defaults, chosen for a learner;
``cpu`` holds smaller ones used when training would run on a CPU. An
environment variable beats both, so an instructor or a test runs every
notebook small and fast without editing it::

    CATDOG_EPOCHS=1 CATDOG_SIZE=64 CATDOG_SUBSET=200 make demo

The defaults a lesson does not set are the training recipe's
(``catdog_lib.train.recipe``), so a lesson and ``catdog train`` start from
the same numbers.
"""
import os
import zipfile
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..errors import CatdogError
from ..i18n import N_, padded, text_width, tr
from ..train.recipe import RECIPE, default_lr

# What each setting means, shown in the table and in error messages.
HELP = {
    "data": N_("a folder of cat and dog photos (cat.1.jpg... or train/ and val/); empty: download them"),
    "size": N_("image side in pixels the model sees"),
    "epochs": N_("passes over the training photos"),
    "subset": N_("how many photos to use, half cats, half dogs (0: all)"),
    "batch_size": N_("photos per step"),
    "lr": N_("learning rate (the peak, for a schedule that rises and falls)"),
    "weights": N_("DEFAULT: start from ImageNet's weights; none: from random numbers"),
    "device": N_("cpu, cuda or mps (empty: the best there is)"),
    "workers": N_("processes that load images in the background (on a GPU: one per core of the runtime)"),
    "seed": N_("makes the split and the shuffles repeatable"),
    "fast": N_("1: the fast loaders (images decoded once, augmented on the device); 0 or empty: your "
               "make_loaders"),
}


@dataclass
class Settings:
    """One lesson's settings. Read them with ``load_settings``; show one by
    leaving it last in a cell."""

    data: "Path | None" = None
    size: int = RECIPE.size
    epochs: int = RECIPE.epochs
    subset: int = 0
    batch_size: int = RECIPE.batch_size
    lr: float = RECIPE.lr
    weights: "str | None" = "DEFAULT"
    device: "str | None" = None
    workers: int = 2
    seed: int = RECIPE.seed
    fast: "bool | None" = None
    # Where each value came from: "default", "CPU default" or the variable's name.
    origin: dict = field(default_factory=dict, repr=False, compare=False)
    # The settings the lesson's cell names: the summary line shows them.
    named: tuple = field(default=(), repr=False, compare=False)

    @property
    def use_fast(self):
        """Whether to train with the fast loaders: only when asked for (the learner's make_loaders by default)."""
        return bool(self.fast)

    @property
    def on_cpu(self):
        """Whether training will run on the CPU (slow: the lessons shrink their defaults)."""
        return (self.device or _best_device_type()) == "cpu"

    def rows(self):
        """``(name, value, origin, meaning)`` for each setting."""
        out = []
        for f in fields(self):
            if f.name in ("origin", "named"):
                continue
            value = getattr(self, f.name)
            if f.name == "device" and value is None:
                value = tr("{device} (the best there is)", device=_best_device_type())
            elif f.name == "subset" and not value:
                value = tr("all")
            elif f.name == "fast" and value is None:
                value = "False"
            elif value is None:
                value = "none"  # what CATDOG_WEIGHTS=none sets: a value, not a word
            out.append((f.name, str(value), self.origin.get(f.name, "default"), tr(HELP[f.name])))
        return out

    def __str__(self):
        rows = [(n, v, _origin_words(o), h) for n, v, o, h in self.rows()]
        widths = [max(text_width(r[i]) for r in rows) for i in range(3)]
        return "\n".join("  ".join(padded(cell, width) for cell, width in zip(row, widths)) + f"  {row[3]}"
                         for row in rows)

    def _repr_pretty_(self, printer, cycle):  # IPython shows the table, not the dataclass repr
        printer.text(str(self))

    def summary(self):
        """One line: the values this lesson names, and any a ``CATDOG_*`` variable or the CPU changed."""
        shown = [(n, v, o) for n, v, o, _ in self.rows() if n in self.named or o != "default"]
        return ", ".join(f"{n} {v}" + (f" ({_origin_words(o)})" if o != "default" else "") for n, v, o in shown)

    def _repr_html_(self):
        """The table, folded away under its summary line until asked for."""
        import html

        body = "".join(
            f"<tr><td style='text-align:left'><b>{html.escape(n)}</b></td>"
            f"<td style='text-align:left;white-space:nowrap'><code>{html.escape(v)}</code></td>"
            f"<td style='text-align:left;white-space:nowrap;color:{'#888' if o == 'default' else '#b35c00'}'>"
            f"{html.escape(_origin_words(o))}</td>"
            f"<td style='text-align:left;color:#555'>{html.escape(h)}</td></tr>"
            for n, v, o, h in self.rows())
        head = "".join(f"<th style='text-align:left;white-space:nowrap'>{html.escape(tr(word))}</th>"
                       for word in (N_("setting"), N_("value"), N_("from"), N_("meaning")))
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        return (f"<details><summary><b>{html.escape(tr('Settings'))}</b>: {html.escape(self.summary())} "
                f"<span style='color:#888'>{html.escape(tr('(click for all of them and where each comes from)'))}"
                f"</span></summary>{table}</details>")


def _origin_words(origin):
    """Where a setting came from, in the learner's words: a variable's name stays as it is."""
    return tr(origin) if origin in ORIGINS else origin


ORIGINS = (N_("default"), N_("CPU default"), N_("GPU default"))


def runtime_cores():
    """The cores this process may run on (a container's or a taskset's share, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _best_device_type():
    """``"cuda"``, ``"mps"`` or ``"cpu"``: the type of what the ``pick_device`` piece picks."""
    from ..hardware import pick_device  # torch is imported only when a setting needs the device

    return pick_device().type


def env_name(name):
    """The environment variable for a setting: ``batch_size`` -> ``CATDOG_BATCH_SIZE``."""
    return "CATDOG_" + name.upper()


def _parse(name, text):
    text = text.strip()
    var = env_name(name)
    if name == "data":
        return Path(text).expanduser() if text else None
    if name in ("weights", "device"):
        if text.lower() in ("", "none", "null", "random") and name == "weights":
            return None
        if text.lower() in ("", "auto", "best") and name == "device":
            return None
        return "DEFAULT" if name == "weights" and text.lower() == "default" else text
    if name == "fast":
        lowered = text.lower()
        if lowered in ("", "auto"):
            return None
        if lowered in ("1", "yes", "true", "on"):
            return True
        if lowered in ("0", "no", "false", "off"):
            return False
        raise CatdogError(tr("{var}={text!r} is not a choice: set it to 1, 0 or auto", var=var, text=text))
    if name == "lr":
        try:
            value = float(text)
        except ValueError:
            raise CatdogError(tr("{var}={text!r} is not a number: set it to e.g. {lr}",
                                 var=var, text=text, lr=RECIPE.lr)) from None
        if value <= 0:
            raise CatdogError(tr("{var}={text!r} must be above 0: set it to e.g. {lr}",
                                 var=var, text=text, lr=RECIPE.lr))
        return value
    if name == "subset" and text.lower() in ("", "all", "none"):
        return 0
    try:
        value = int(text)
    except ValueError:
        raise CatdogError(tr("{var}={text!r} is not a whole number: set it to e.g. {example}",
                             var=var, text=text, example=getattr(Settings, name))) from None
    low = 0 if name in ("subset", "workers", "seed") else 1
    if value < low:
        raise CatdogError(tr("{var}={text!r} must be {low} or more", var=var, text=text, low=low))
    return value


def load_settings(cpu=None, env=None, **defaults):
    """The settings of a lesson: its ``defaults``, then ``cpu`` when training
    would run on a CPU, then any ``CATDOG_*`` environment variable.

    ``load_settings(epochs=5, cpu=dict(epochs=2))`` gives 5 epochs on a GPU,
    2 on a CPU, and 1 wherever ``CATDOG_EPOCHS=1`` is set.
    """
    env = os.environ if env is None else env
    names = [f.name for f in fields(Settings) if f.name not in ("origin", "named")]
    for given in (*defaults, *(cpu or {})):
        if given not in names:
            raise CatdogError(tr("there is no setting called {given!r}: the settings are {names}",
                                 given=given, names=', '.join(names)))

    values, origin = {}, {}
    for name in names:
        if name in defaults:
            values[name] = defaults[name]
        if env.get(env_name(name)) is not None:
            values[name] = _parse(name, env[env_name(name)])
            origin[name] = env_name(name)
    if values.get("data") is not None:
        values["data"] = Path(values["data"]).expanduser()
        if not values["data"].is_absolute() and not values["data"].exists():
            # A kernel runs in the notebook's folder: a path given from the kit's root (make lab) is found there.
            from ..paths import kit_root

            values["data"] = (kit_root() / values["data"]).resolve()
        if not values["data"].is_dir() and not zipfile.is_zipfile(values["data"]):  # a zip: Kaggle's, as prepare takes it
            raise CatdogError(tr("{env_name}={data!r} is not a folder: point it at a folder of cat and dog "
                                 "photos, or unset it to download them",
                                 env_name=env_name('data'), data=str(values['data'])))
    settings = Settings(**values, origin=origin, named=tuple(dict.fromkeys([*defaults, *(cpu or {})])))
    if cpu and settings.on_cpu:
        for name, value in cpu.items():
            if name not in origin:
                setattr(settings, name, value)
                origin[name] = "CPU default"
    if not settings.on_cpu and "workers" not in origin and "workers" not in defaults:
        # On a GPU the loaders decode and augment every JPEG on the CPU while the GPU waits: every core helps.
        settings.workers = runtime_cores()
        origin["workers"] = "GPU default"
    if settings.weights is None and env.get(env_name("lr")) is None:
        # A lesson's learning rate is for fine-tuning; random weights take the from-scratch recipe's.
        settings.lr = round(default_lr(settings.batch_size, weights=None), 6)
        origin["lr"] = "from-scratch recipe"
    return settings
