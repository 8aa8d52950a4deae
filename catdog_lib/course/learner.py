"""Lesson 05's pieces: the learner's version of each piece where it passes its checks, the reference where
it does not, each reaching the others, and a record of which of them ran.

    pieces = learner_pieces(judge())     # judge all ten once, load the passing ones
    pieces                                # which version of each will run, and why
    run = train_on_folder(data_dir, pieces=pieces, ...)
    pieces.table(fast=...)                # which of them ran (counted), and why any did not

A learner's piece file runs in a prelude of its own (``pieces.load_piece``),
where the other nine piece names are the reference versions. Left so, a
learner's ``train_model`` would call the *reference* ``run_epoch``, and the
table would claim a piece that never ran. So every chosen function is
wrapped to count its calls, and every piece's names for the other pieces are
pointed at those wrappers: in a learner's file by setting the names in its
own namespace (its helpers see them too), for a reference piece with a copy
of the function that reads them from a namespace of its own
(``train.linking.with_names``; the library's modules are left alone).

This module does not import ``judge``: ``judge`` imports it, for the old
name ``learner_or_reference`` that lessons already shipped import from there.
"""
import functools
import html
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from ..i18n import N_, padded, text_width, tr
from ..train.linking import with_names

GREEN, GRAY = "#1a7f37", "#6e7781"

# Why a piece did not run although it was there to, by piece, when nothing more specific is known.
NOT_CALLED = {
    "run_epoch": N_("not called: your train_model makes its own passes over the data"),
    "predict_image": N_("not called yet: it classifies the photos further down"),
}
FAST_PATH = N_("not used on the fast path: the photos are decoded once and cropped, flipped and normalized "
               "on the device, as your transforms would")


@dataclass
class Choice:
    """Which version of one piece runs: the function, whether it is the learner's, and why."""

    name: str
    function: object
    yours: bool
    why: str


def choose(results, workspace=None):
    """``{name: Choice}``: the learner's piece where its verdict in ``results`` is a pass and it loads, else the reference."""
    from .pieces import PIECES, PieceError, load_piece, piece_path, reference

    choices = {}
    for piece in PIECES:
        result = results.get(piece.name) or {"status": "not_started"}
        status = result.get("status")
        if status == "passed":
            try:
                function = load_piece(piece.name, piece_path(piece.name, workspace))
            except PieceError as e:  # the file changed since it was judged
                choices[piece.name] = Choice(piece.name, reference(piece.name), False,
                                             tr("yours does not load now: {error}", error=e))
                continue
            choices[piece.name] = Choice(piece.name, function, True,
                                         tr("passes all {total} checks", total=result.get("total", 0)))
        elif status == "not_started":
            choices[piece.name] = Choice(piece.name, reference(piece.name), False, tr("yours is not started"))
        else:
            message = result.get("message") or tr("a check fails")
            choices[piece.name] = Choice(piece.name, reference(piece.name), False,
                                         tr("yours does not pass yet: {why}", why=message))
    return choices


class LessonPieces(Mapping):
    """The ten pieces lesson 05 runs, by name (``pieces["train_model"]`` or ``pieces.train_model``).

    Each is the chosen version behind a wrapper that counts its calls in
    ``calls``; each finds the others' wrappers under their names. A cell that
    ends with ``pieces`` shows which version of each runs; ``table()`` says
    which ran. ``note(name, why)`` records why a piece is not used here.
    """

    def __init__(self, choices):
        self.choices = dict(choices)
        self.calls = Counter()     # name -> calls
        self.callers = Counter()   # (name, the piece that called it, or None) -> calls
        self._running = []         # the pieces running now, innermost last
        self.notes = {}
        self.trained_with_loaders = False  # set by train_on_folder when make_loaders' loaders trained the model
        self._targets = {}
        self._functions = {name: self._counted(name) for name in self.choices}
        for name, choice in self.choices.items():
            self._targets[name] = self._linked(choice)

    def _counted(self, name):
        def call(*args, **kwargs):
            self.calls[name] += 1
            self.callers[name, self._running[-1] if self._running else None] += 1
            self._running.append(name)
            try:
                return self._targets[name](*args, **kwargs)
            finally:
                self._running.pop()

        return functools.update_wrapper(call, self.choices[name].function)

    def _linked(self, choice):
        """The chosen function, finding the other pieces' counting wrappers under their names."""
        from .pieces import reference

        others = {name: function for name, function in self._functions.items() if name != choice.name}
        if not choice.yours:
            return with_names(choice.function, **others)
        namespace = choice.function.__globals__  # the piece file's own prelude, made for this load alone
        for name, function in others.items():
            if namespace.get(name) is reference(name):
                namespace[name] = function
        return choice.function

    def __getitem__(self, name):
        return self._functions[name]

    def __iter__(self):
        return iter(self._functions)

    def __len__(self):
        return len(self._functions)

    def __getattr__(self, name):
        functions = self.__dict__.get("_functions", {})
        if name in functions:
            return functions[name]
        raise AttributeError(name)

    def note(self, name, why):
        """Record why piece ``name`` is not used on this path (shown while it has not run)."""
        self.notes[name] = why

    def yours(self):
        """The names of the pieces that run in the learner's version."""
        return [name for name, choice in self.choices.items() if choice.yours]

    def versions(self):
        """A table: which version of each piece runs, and why."""
        rows = [(name, tr("yours") if c.yours else tr("reference"), c.why) for name, c in self.choices.items()]
        return PiecesTable(tr("Which version of each piece runs"), (tr("piece"), tr("version"), tr("why")), rows,
                           tr("{yours} of {count} pieces are yours", yours=len(self.yours()), count=len(rows)),
                           [self.choices[name].yours for name in self.choices])

    def table(self, fast=False):
        """A table from the record: each piece's version, and whether it ran here (how often, called by
        which piece) or why not.

        ``fast``: the run used the fast loaders (so ``build_transforms`` and
        ``make_loaders`` had nothing to do in training).
        """
        rows = []
        for name, choice in self.choices.items():
            version = tr("yours") if choice.yours else tr("reference ({why})", why=choice.why)
            rows.append((name, version, self.what_ran(name, fast)))
        ran = sum(1 for name in self.choices if self.calls[name])
        mine = sum(1 for name in self.yours() if self.calls[name])
        footer = tr("{yours} of {count} pieces are yours; {ran} of {count} ran here, {mine} of them yours",
                    yours=len(self.yours()), count=len(rows), ran=ran, mine=mine)
        return PiecesTable(tr("Which pieces ran, in which version"), (tr("piece"), tr("version"), tr("in this lesson")),
                           rows,
                           footer, [self.choices[name].yours for name in self.choices])

    def what_ran(self, name, fast=False):
        """How often piece ``name`` ran, and from where; or why it did not."""
        count = self.calls[name]
        training = self.choices["train_model"].yours and self.calls["train_model"]
        if not count:
            if name in self.notes:
                return self.notes[name]
            if fast and name in ("build_transforms", "make_loaders"):
                return tr(FAST_PATH)
            if name == "run_epoch" and not training:
                return tr("not called")
            return tr(NOT_CALLED[name]) if name in NOT_CALLED else tr("not called")
        froms = sorted((caller, n) for (called, caller), n in self.callers.items() if called == name and caller)
        calls = tr("1 call") if count == 1 else tr("{count} calls", count=count)
        if froms:
            comma = tr(", ")
            calls += comma + comma.join(tr("{count} from {caller}", count=n, caller=caller) for caller, n in froms)
        words = tr("ran ({calls})", calls=calls)
        if name == "run_epoch" and training and not self.callers[name, "train_model"]:
            words += tr("; never from your train_model, which makes its own passes over the data")
        if fast and name == "build_transforms":
            words += tr("; not in training: the fast loaders do its work on the device")
        elif fast and name == "make_loaders":
            words += tr("; not in training: the fast loaders made the batches")
        elif name == "make_loaders" and self.trained_with_loaders:
            words += tr("; its loaders trained the model")
        return words

    def _repr_html_(self):
        return self.versions()._repr_html_()

    def __repr__(self):
        return str(self.versions())


class PiecesTable:
    """Rows of ``(piece, version, words)``, shown as text or as HTML (green where the piece is yours)."""

    def __init__(self, title, header, rows, footer, yours):
        self.title, self.header, self.rows, self.footer, self.yours = title, header, rows, footer, yours

    def __str__(self):
        widths = [max(text_width(str(row[i])) for row in (self.header, *self.rows)) for i in range(2)]
        lines = [self.title] + [padded(a, widths[0]) + "  " + padded(b, widths[1]) + f"  {c}"
                                for a, b, c in (self.header, *self.rows)]
        return "\n".join(lines + [self.footer])

    __repr__ = __str__

    def _repr_html_(self):
        e = html.escape
        head = "".join(f"<th style='text-align:left'>{e(h)}</th>" for h in self.header)
        body = "".join(
            f"<tr style='color:{GREEN if mine else GRAY}'><td style='text-align:left'><code>{e(a)}</code></td>"
            f"<td style='text-align:left'>{e(b)}</td><td style='text-align:left'>{e(c)}</td></tr>"
            for (a, b, c), mine in zip(self.rows, self.yours))
        return f"<p><b>{e(self.title)}</b></p><table><tr>{head}</tr>{body}</table><p>{e(self.footer)}</p>"


def learner_pieces(results, workspace=None):
    """The pieces lesson 05 runs, from the verdicts ``results`` (``judge()``'s): a ``LessonPieces``."""
    return LessonPieces(choose(results, workspace))


def judged_with(judge):
    """``learner_or_reference(workspace=None)``, bound to ``judge``: the old name, for lessons already shipped.

    Returns ``(namespace, table)``: each piece name to the function that runs
    (yours where it passes, linked as in ``learner_pieces``), and the table of
    versions. ``course.judge`` makes it with its own ``judge`` (this module
    cannot import that one: ``judge`` imports this one).
    """
    def learner_or_reference(workspace=None):
        pieces = learner_pieces(judge(workspace=workspace), workspace)
        return dict(pieces), pieces.versions()

    learner_or_reference.__doc__ = judged_with.__doc__.split("\n\n")[1].strip()
    return learner_or_reference
