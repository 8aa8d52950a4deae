# Relative links, computed from each link's own folder (they survive moving the whole tree);
# shutil.copy for copies; old files removed with Path.iterdir.
import shutil
from collections import Counter

def _empty(folder):
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            _empty(entry)
            entry.rmdir()
        else:
            entry.unlink()

def arrange_imagefolder(train_items, val_items, dest, link=True):
    dest = Path(dest)
    result = {}
    for split, items in (("train", train_items), ("val", val_items)):
        _empty(dest / split)
        counted = Counter()
        for path, label in items:
            folder = dest / split / label
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / os.path.basename(path)
            made = False
            if link:
                try:
                    os.symlink(os.path.relpath(os.path.abspath(path), os.path.abspath(folder)), target)
                    made = True
                except OSError:
                    pass
            if not made:
                shutil.copy(path, target)
            counted[label] += 1
        result[split] = dict(counted)
    return result
