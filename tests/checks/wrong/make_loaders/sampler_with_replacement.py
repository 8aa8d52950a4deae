# expect: its sampler draws with replacement
# A RandomSampler that draws with replacement: some photos twice in an epoch, others never.
from torch.utils.data import RandomSampler


def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    train_set = datasets.ImageFolder(os.path.join(data_dir, "train"), build_transforms(True, size))
    val_set = datasets.ImageFolder(os.path.join(data_dir, "val"), build_transforms(False, size))
    sampler = RandomSampler(train_set, replacement=True)
    loaders = {"train": DataLoader(train_set, batch_size=batch_size, sampler=sampler, num_workers=num_workers),
               "val": DataLoader(val_set, batch_size=batch_size, shuffle=False, num_workers=num_workers)}
    return loaders, train_set.classes
