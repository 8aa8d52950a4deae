# expect: it reads the folders itself, unsorted
# The class names read off the folder with os.listdir, in whatever order it lists them.
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    train_dir = os.path.join(data_dir, "train")
    class_names = [name for name in os.listdir(train_dir) if os.path.isdir(os.path.join(train_dir, name))]
    train_set = datasets.ImageFolder(train_dir, transform=build_transforms(train=True, size=size))
    val_set = datasets.ImageFolder(os.path.join(data_dir, "val"), transform=build_transforms(train=False, size=size))
    loaders = {"train": DataLoader(train_set, batch_size=batch_size, shuffle=True, num_workers=num_workers),
               "val": DataLoader(val_set, batch_size=batch_size, num_workers=num_workers)}
    return loaders, class_names
