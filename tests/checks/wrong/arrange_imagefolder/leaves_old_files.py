# expect: it leaves files of an older split
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    counts = {}
    for split, items in (("train", train_items), ("val", val_items)):
        counts[split] = {}
        for path, label in items:
            target = dest / split / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists() or target.is_symlink():
                target.unlink()
            try:
                if link:
                    os.symlink(os.path.abspath(path), target)
                else:
                    shutil.copy2(path, target)
            except OSError:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
