# expect: eval transforms on train
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    transform = build_transforms(train=False, size=size)  # one transform for both
    train_set = datasets.ImageFolder(Path(data_dir) / "train", transform)
    val_set = datasets.ImageFolder(Path(data_dir) / "val", transform)
    loaders = {"train": DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers),
               "val": DataLoader(val_set, batch_size=batch_size, shuffle=False, num_workers=num_workers)}
    return loaders, train_set.classes
