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

MANIFEST = "split.json"


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


def split_with_manifest(images, root, manifest_path, source, seed, val_fraction, report):
    """Reuse the saved split when it was made the same way; else make one and save it.

    The manifest holds only what defines the split (no date), so the same
    split always gives the same file: a checkpoint can name it by its hash.
    """
    by_name = {relative_name(r.path, root): r for r in images}
    settings = {"source": source, "root": str(root), "layout": "flat", "seed": seed, "val_fraction": val_fraction}
    old = read_manifest(manifest_path)
    if old is not None and all(old.get(k) == v for k, v in settings.items()):
        listed = {name for part in ("train", "val") for name, _ in old[part]}
        train = [by_name[name] for name, _ in old["train"] if name in by_name]
        val = [by_name[name] for name, _ in old["val"] if name in by_name]
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
        return train, val

    if old is not None:
        changed = ", ".join(tr("{name} was {value!r}", name=k, value=old.get(k))
                            for k in settings if old.get(k) != settings[k])
        report(tr("The split in {manifest_path} was made another way ({changed}): making a new split.",
                  manifest_path=manifest_path, changed=changed))
    train, val = split_items(images, val_fraction=val_fraction, seed=seed)
    write_manifest(manifest_path, dict(settings, train=[[relative_name(r.path, root), r.label] for r in train],
                                       val=[[relative_name(r.path, root), r.label] for r in val]))
    report(tr("New split (seed {seed}, val_fraction {val_fraction}) saved to {manifest_path}.",
              seed=seed, val_fraction=val_fraction, manifest_path=manifest_path))
    return train, val
