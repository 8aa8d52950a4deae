# expect: it reads the folders itself, unsorted
# The class names from Path.iterdir(), unsorted.
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    root = Path(data_dir)
    class_names = [p.name for p in (root / "train").iterdir() if p.is_dir()]
    train_set = datasets.ImageFolder(root / "train", build_transforms(True, size))
    val_set = datasets.ImageFolder(root / "val", build_transforms(False, size))
    return ({"train": DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers),
             "val": DataLoader(val_set, batch_size=batch_size, num_workers=num_workers)}, class_names)
