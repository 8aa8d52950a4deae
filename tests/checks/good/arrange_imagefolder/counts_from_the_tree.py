# Clears train/ and val/, lays the split out, then counts what is in the tree.
import shutil


def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    for split, items in (("train", train_items), ("val", val_items)):
        shutil.rmtree(dest / split, ignore_errors=True)
        for path, label in items:
            target = dest / split / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                if not link:
                    raise OSError
                os.symlink(os.path.abspath(path), target)
            except OSError:
                shutil.copy2(path, target)
    return {split: {folder.name: sum(1 for _ in folder.iterdir()) for folder in sorted((dest / split).iterdir())}
            for split in ("train", "val")}
