# expect: removed or moved the source
# Starts afresh by removing the whole of dest, whatever else is in it.
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    counts = {}
    for split, items in (("train", train_items), ("val", val_items)):
        counts[split] = {}
        for path, label in items:
            folder = os.path.join(dest, split, label)
            os.makedirs(folder, exist_ok=True)
            target = os.path.join(folder, os.path.basename(path))
            try:
                if link:
                    os.symlink(os.path.abspath(path), target)
                else:
                    shutil.copyfile(path, target)
            except OSError:
                shutil.copyfile(path, target)
            counts[split][label] = counts[split].get(label, 0) + 1
    return counts
