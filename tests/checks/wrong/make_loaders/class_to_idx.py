# expect: not the datasets' list of class names
# The dict from name to index handed out as the class names.
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    train_set = datasets.ImageFolder(Path(data_dir) / "train", transform=build_transforms(train=True, size=size))
    val_set = datasets.ImageFolder(Path(data_dir) / "val", transform=build_transforms(train=False, size=size))
    return ({"train": DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers),
             "val": DataLoader(val_set, batch_size=batch_size, shuffle=False, num_workers=num_workers)},
            train_set.class_to_idx)
