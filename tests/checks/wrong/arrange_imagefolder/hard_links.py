# expect: is not a symbolic link
# os.link makes a hard link: a second name for the same file, not a symbolic link.
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    counts = {"train": {}, "val": {}}
    for split, items in (("train", train_items), ("val", val_items)):
        shutil.rmtree(dest / split, ignore_errors=True)
        for path, label in items:
            target = dest / split / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            if link:
                try:
                    os.link(path, target)
                except OSError:
                    shutil.copy2(path, target)
            else:
                shutil.copy2(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
