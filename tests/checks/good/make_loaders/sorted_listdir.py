# The class names read off the folder, sorted as ImageFolder sorts them; shuffle with a RandomSampler
# (without replacement, its default).
from torch.utils.data import RandomSampler


def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    train_dir = os.path.join(data_dir, "train")
    class_names = sorted(entry.name for entry in os.scandir(train_dir) if entry.is_dir())
    train_set = datasets.ImageFolder(train_dir, transform=build_transforms(train=True, size=size))
    val_set = datasets.ImageFolder(os.path.join(data_dir, "val"), transform=build_transforms(train=False, size=size))
    loaders = {"train": DataLoader(train_set, batch_size=batch_size, sampler=RandomSampler(train_set),
                                   num_workers=num_workers),
               "val": DataLoader(val_set, batch_size=batch_size, num_workers=num_workers)}
    return loaders, class_names
