# Drops a short last training batch (a batch of one upsets batch norm); val keeps every image.
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    root = Path(data_dir)
    train_set = datasets.ImageFolder(root / "train", transform=build_transforms(train=True, size=size))
    val_set = datasets.ImageFolder(root / "val", transform=build_transforms(train=False, size=size))
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True,
                              num_workers=num_workers, persistent_workers=num_workers > 0)
    val_loader = DataLoader(val_set, batch_size=batch_size, num_workers=num_workers)
    return {"train": train_loader, "val": val_loader}, train_set.classes
