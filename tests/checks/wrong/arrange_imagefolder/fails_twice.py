# expect: raised FileExistsError
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    counts = {}
    for split, items in (("train", train_items), ("val", val_items)):
        counts[split] = {}
        for path, label in items:
            target = dest / split / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            if link:
                try:
                    os.symlink(os.path.abspath(path), target)
                except PermissionError:  # links not allowed here
                    shutil.copy2(path, target)
            else:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
