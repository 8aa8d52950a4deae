# expect: it clears only the class folders the new split uses
# Removes the files of each label it is about to write, by a glob over that label's folder.
import shutil


def arrange_imagefolder(train_items, val_items, dest, link=True):
    counts = {"train": {}, "val": {}}
    for split, items in (("train", train_items), ("val", val_items)):
        labels = {label for _, label in items}
        for label in labels:
            for old in Path(dest, split, label).glob("*"):
                old.unlink()
        for path, label in items:
            folder = Path(dest, split, label)
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / Path(path).name
            if link:
                try:
                    os.symlink(os.path.abspath(path), target)
                except OSError:
                    shutil.copy(path, target)
            else:
                shutil.copy(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
