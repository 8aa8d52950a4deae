"""A folder already split: ``train/<label>/`` and ``val/<label>/`` (``val/`` may be ``valid/`` or ``validation/``)."""
from pathlib import Path

from .index import is_system_file, walk_files


def _split_folder_name(folder, split):
    for name in ((split,) if split == "train" else ("val", "valid", "validation")):
        if (folder / name).is_dir():
            return folder / name
    return None


def is_split_layout(folder):
    """Is ``folder`` already ``train/<label>/`` and ``val/<label>/`` (class folders)?"""
    folder = Path(folder)
    train, val = _split_folder_name(folder, "train"), _split_folder_name(folder, "val")
    return (train is not None and val is not None
            and any(d.is_dir() and not d.name.startswith(".") for d in train.iterdir()))


def split_layout_entries(folder):
    """``{split: [(path, label)]}`` from class folders, plus the files that sit in no class folder."""
    entries, loose = {}, []
    for split in ("train", "val"):
        split_dir = _split_folder_name(folder, split)
        entries[split] = []
        for child in sorted(split_dir.iterdir()):
            if child.is_dir() and not is_system_file(child / "x", split_dir):
                entries[split].extend((path, child.name) for path in walk_files(child))
            elif child.is_file():
                loose.append(child)
    return entries, loose
