# expect: its sampler draws with replacement
# Balances the classes with a WeightedRandomSampler (replacement=True, its default).
from torch.utils.data import WeightedRandomSampler


def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    root = Path(data_dir)
    train_set = datasets.ImageFolder(root / "train", transform=build_transforms(train=True, size=size))
    val_set = datasets.ImageFolder(root / "val", transform=build_transforms(train=False, size=size))
    counts = np.bincount(train_set.targets)
    weights = [1.0 / counts[t] for t in train_set.targets]
    sampler = WeightedRandomSampler(weights, num_samples=len(weights))
    train_loader = DataLoader(train_set, batch_size=batch_size, sampler=sampler, num_workers=num_workers)
    val_loader = DataLoader(val_set, batch_size=batch_size, num_workers=num_workers)
    return {"train": train_loader, "val": val_loader}, train_set.classes
