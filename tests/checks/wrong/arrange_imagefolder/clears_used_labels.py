# expect: it clears only the class folders the new split uses
# Empties each class folder before filling it: a label the new split lacks keeps its old files.
import shutil


def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    counts = {}
    for split, items in (("train", train_items), ("val", val_items)):
        counts[split] = {}
        for label in sorted({label for _, label in items}):
            folder = dest / split / label
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
        for path, label in items:
            target = dest / split / label / Path(path).name
            try:
                if link:
                    target.symlink_to(Path(path).resolve())
                else:
                    shutil.copy2(path, target)
            except OSError:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
