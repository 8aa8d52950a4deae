# expect: wrong folder names or layout
# Forgets the label level: dest/train/cat.1.jpg.
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    counts = {}
    for split, items in (("train", train_items), ("val", val_items)):
        shutil.rmtree(dest / split, ignore_errors=True)
        (dest / split).mkdir(parents=True)
        counts[split] = {}
        for path, label in items:
            target = dest / split / Path(path).name
            try:
                os.symlink(os.path.abspath(path), target) if link else shutil.copy2(path, target)
            except OSError:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
