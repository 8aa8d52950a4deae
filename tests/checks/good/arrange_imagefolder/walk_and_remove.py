import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    # Remove only the old links and copies, file by file, then lay out the new split.
    for split in ("train", "val"):
        for folder, _, names in os.walk(os.path.join(dest, split)):
            for name in names:
                os.remove(os.path.join(folder, name))
    counts = {"train": {}, "val": {}}
    for split, items in (("train", train_items), ("val", val_items)):
        for path, label in items:
            folder = os.path.join(dest, split, label)
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, os.path.basename(path))
            if link:
                try:
                    os.symlink(os.path.abspath(path), target)
                except OSError:
                    shutil.copy2(path, target)
            else:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
