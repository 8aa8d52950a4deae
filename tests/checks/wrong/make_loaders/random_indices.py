# expect: its sampler draws with replacement
# Its own sampler: random indices drawn with torch.randint each epoch.
class RandomIndices(torch.utils.data.Sampler):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(torch.randint(0, self.n, (self.n,)).tolist())

    def __len__(self):
        return self.n


def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    sets = {split: datasets.ImageFolder(f"{data_dir}/{split}", build_transforms(split == "train", size))
            for split in ("train", "val")}
    loaders = {"train": DataLoader(sets["train"], batch_size, sampler=RandomIndices(len(sets["train"])),
                                   num_workers=num_workers),
               "val": DataLoader(sets["val"], batch_size, num_workers=num_workers)}
    return loaders, sets["train"].classes
