# expect: not the counts per split and label
import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    for split, items in (("train", train_items), ("val", val_items)):
        if (dest / split).exists():
            shutil.rmtree(dest / split)
        for path, label in items:
            target = dest / split / label / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.symlink(os.path.abspath(path), target) if link else shutil.copy2(path, target)
            except OSError:
                shutil.copy2(path, target)
    return {"train": len(train_items), "val": len(val_items)}
