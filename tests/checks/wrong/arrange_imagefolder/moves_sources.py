# expect: removed or moved the source
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    counts = {}
    for split, items in (("train", train_items), ("val", val_items)):
        if (dest / split).exists():
            shutil.rmtree(dest / split)
        counts[split] = {}
        for path, label in items:
            target = dest / split / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
