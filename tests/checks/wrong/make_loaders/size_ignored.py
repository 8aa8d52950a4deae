# expect: it ignores size
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    data_dir = Path(data_dir)
    train_set = datasets.ImageFolder(data_dir / "train", build_transforms(train=True, size=24))
    val_set = datasets.ImageFolder(data_dir / "val", build_transforms(train=False, size=24))
    loaders = {
        "train": DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers),
        "val": DataLoader(val_set, batch_size=batch_size, shuffle=False, num_workers=num_workers),
    }
    return loaders, train_set.classes
