# expect: make the val dataset on data_dir / 'val'
# Copied the train line for val and forgot to change the folder.
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    train_set = datasets.ImageFolder(os.path.join(data_dir, "train"), build_transforms(train=True, size=size))
    val_set = datasets.ImageFolder(os.path.join(data_dir, "train"), build_transforms(train=False, size=size))
    return ({"train": DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers),
             "val": DataLoader(val_set, batch_size=batch_size, shuffle=False, num_workers=num_workers)},
            train_set.classes)
