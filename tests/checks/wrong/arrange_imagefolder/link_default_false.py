# expect: link defaults to False
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=False):
    dest = Path(dest)
    counts = {}
    for split, items in (("train", train_items), ("val", val_items)):
        shutil.rmtree(dest / split, ignore_errors=True)
        counts[split] = {}
        for path, label in items:
            target = dest / split / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                if not link:
                    raise OSError("copy wanted")
                os.symlink(os.path.abspath(path), target)
            except OSError:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
