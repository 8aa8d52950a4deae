# expect: it ignores num_workers
# The tutorial's num_workers=4, whatever the caller asks.
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    data_dir = Path(data_dir)
    train_set = datasets.ImageFolder(data_dir / "train", build_transforms(train=True, size=size))
    val_set = datasets.ImageFolder(data_dir / "val", build_transforms(train=False, size=size))
    loaders = {"train": DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=4),
               "val": DataLoader(val_set, batch_size=batch_size, shuffle=False, num_workers=4)}
    return loaders, train_set.classes
