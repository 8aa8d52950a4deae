from torch.utils.data import RandomSampler, SequentialSampler

def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    root = Path(data_dir)
    train_set = datasets.ImageFolder(str(root / "train"), build_transforms(True, size))
    val_set = datasets.ImageFolder(str(root / "val"), build_transforms(False, size))
    train = DataLoader(train_set, batch_size=batch_size, sampler=RandomSampler(train_set), num_workers=num_workers)
    val = DataLoader(val_set, batch_size=batch_size, sampler=SequentialSampler(val_set), drop_last=False,
                     num_workers=num_workers)
    return {"train": train, "val": val}, val_set.classes
