"""The split manifest: ``split.json`` beside the arranged data, so that running again reuses the same split.

A restart never moves a val photo into training. The manifest holds only
what defines the split (no date), so the same split always gives the same
file.
"""
import json
import os
from pathlib import Path

from ..atomic import atomic_write
from ..data import split_items
from ..i18n import tr
from .duplicates import keep_together

MANIFEST = "split.json"
PARTS = ("train", "val", "test")  # the test set only when one was held out


def write_manifest(path, manifest, indent=1):
    """Save the manifest as JSON in one step (``catdog_lib.atomic``)."""
    return atomic_write(path, json.dumps(manifest, indent=indent))


def read_manifest(path):
    """The manifest saved at ``path``, or ``None`` when there is none (or it is unreadable)."""
    try:
        manifest = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not {"train", "val"} <= manifest.keys():
        return None
    return manifest


def relative_name(path, root):
    """``path`` as the manifest names it: relative to ``root`` with ``/`` (absolute when outside ``root``)."""
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.abspath(path)).as_posix()


def _some(names, limit=10):
    """``a, b, c ... and 7 more``"""
    return ", ".join(names[:limit]) + (f" ... and {len(names) - limit} more" if len(names) > limit else "")


def _straddling(manifest, groups, root):
    """The groups of copies that the saved split puts on more than one side."""
    side = {name: part for part in PARTS for name, _ in manifest.get(part, [])}
    return [g for g in groups if len({side.get(relative_name(p, root)) for p in g} - {None}) > 1]


def split_with_manifest(images, root, manifest_path, source, seed, val_fraction, report, test_fraction=0.0,
                        groups=()):
    """Reuse the saved split when it was made the same way; else make one and save it: ``(train, val, test)``.

    The manifest holds only what defines the split (no date), so the same
    split always gives the same file: a checkpoint can name it by its hash.
    With ``test_fraction``, that share of the photos (stratified, seeded) is
    held out first as the test set; ``split_items`` splits the rest into
    train and val as before. ``groups`` (``duplicates.duplicate_groups``):
    the copies of one photo, which always land on one side.
    """
    by_name = {relative_name(r.path, root): r for r in images}
    settings = {"source": source, "root": str(root), "layout": "flat", "seed": seed, "val_fraction": val_fraction}
    if test_fraction:
        settings["test_fraction"] = test_fraction
    old = read_manifest(manifest_path)
    same = old is not None and all(old.get(k) == settings.get(k) for k in set(settings) | {"test_fraction"})
    if same and _straddling(old, groups, root):
        report(tr("The split in {manifest_path} puts copies of one photo on both sides: making a new split.",
                  manifest_path=manifest_path))
        old = None
    elif same:
        listed = {name for part in PARTS for name, _ in old.get(part, [])}
        train = [by_name[name] for name, _ in old["train"] if name in by_name]
        val = [by_name[name] for name, _ in old["val"] if name in by_name]
        test = [by_name[name] for name, _ in old.get("test", []) if name in by_name]
        report(tr("Reusing the split saved in {manifest_path} (seed {seed}, val_fraction {val_fraction}).",
                  manifest_path=manifest_path, seed=seed, val_fraction=val_fraction))
        gone = sorted(name for name in listed if name not in by_name)
        if gone:
            report(tr("{count} file(s) of the saved split are gone or unusable now, left out: {some}",
                      count=len(gone), some=_some(gone)))
        new = sorted(name for name in by_name if name not in listed)
        if new:
            report(tr("{count} new file(s) are not in the saved split and were left out (delete {manifest_path} "
                      "to split again with them): {some}",
                      count=len(new), manifest_path=manifest_path, some=_some(new)))
        return train, val, test

    if old is not None:
        changed = ", ".join(tr("{name} was {value!r}", name=k, value=old.get(k))
                            for k in sorted(set(settings) | ({"test_fraction"} & set(old)))
                            if old.get(k) != settings.get(k))
        report(tr("The split in {manifest_path} was made another way ({changed}): making a new split.",
                  manifest_path=manifest_path, changed=changed))
    representatives, expand = keep_together(images, groups)
    rest, test = (split_items(representatives, val_fraction=test_fraction, seed=seed) if test_fraction
                  else (representatives, []))  # the test set first: split_items still makes two sets
    train, val = split_items(rest, val_fraction=val_fraction, seed=seed)
    train, val, test = expand(train), expand(val), expand(test)
    manifest = dict(settings, train=[[relative_name(r.path, root), r.label] for r in train],
                    val=[[relative_name(r.path, root), r.label] for r in val])
    if test_fraction:
        manifest["test"] = [[relative_name(r.path, root), r.label] for r in test]
    if groups:
        manifest["duplicates"] = [[relative_name(p, root) for p in g] for g in groups]
    write_manifest(manifest_path, manifest)
    if test_fraction:
        report(tr("New split (seed {seed}, test_fraction {test_fraction}, then val_fraction {val_fraction} of the "
                  "rest) saved to {manifest_path}.", seed=seed, test_fraction=test_fraction,
                  val_fraction=val_fraction, manifest_path=manifest_path))
    else:
        report(tr("New split (seed {seed}, val_fraction {val_fraction}) saved to {manifest_path}.",
                  seed=seed, val_fraction=val_fraction, manifest_path=manifest_path))
    return train, val, test
