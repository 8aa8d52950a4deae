# expect: batch_size defaults to 4
# The tutorial's numbers: batch_size=4, num_workers=4.
def make_loaders(data_dir, batch_size=4, num_workers=4, size=224):
    data_dir = Path(data_dir)
    train_set = datasets.ImageFolder(data_dir / "train", build_transforms(train=True, size=size))
    val_set = datasets.ImageFolder(data_dir / "val", build_transforms(train=False, size=size))
    loaders = {"train": DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers),
               "val": DataLoader(val_set, batch_size=batch_size, shuffle=False, num_workers=num_workers)}
    return loaders, train_set.classes
