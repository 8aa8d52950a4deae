import shutil

def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    counts = {}
    for split, items in {"train": train_items, "val": val_items}.items():
        shutil.rmtree(dest / split, ignore_errors=True)
        per_label = {}
        for source, label in items:
            source = Path(source).resolve()
            target = dest / split / label / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if link:
                try:
                    target.symlink_to(source)
                except OSError:  # links not allowed here
                    shutil.copyfile(source, target)
            else:
                shutil.copyfile(source, target)
            per_label[label] = per_label.get(label, 0) + 1
        counts[split] = per_label
    return counts
