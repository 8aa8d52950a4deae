# expect: returned None, not the counts
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    for split, items in [("train", train_items), ("val", val_items)]:
        folder = os.path.join(dest, split)
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        for path, label in items:
            os.makedirs(os.path.join(folder, label), exist_ok=True)
            target = os.path.join(folder, label, os.path.basename(path))
            try:
                if link:
                    os.symlink(os.path.abspath(path), target)
                else:
                    shutil.copy(path, target)
            except OSError:
                shutil.copy(path, target)
