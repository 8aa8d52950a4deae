# expect: the counts of the calls before were added in
# The counts kept at the top of the file, so each call adds to the last one's.
import shutil

counts = {"train": {}, "val": {}}


def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    for split, items in (("train", train_items), ("val", val_items)):
        if (dest / split).exists():
            shutil.rmtree(dest / split)
        for path, label in items:
            target = dest / split / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                if not link:
                    raise OSError("copy")
                os.symlink(os.path.abspath(path), target)
            except OSError:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
