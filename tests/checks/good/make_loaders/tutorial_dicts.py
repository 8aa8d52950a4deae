# The tutorial's dicts of datasets and loaders over ['train', 'val'], with pin_memory when there is a GPU.
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    data_transforms = {"train": build_transforms(train=True, size=size),
                       "val": build_transforms(train=False, size=size)}
    image_datasets = {x: datasets.ImageFolder(os.path.join(data_dir, x), data_transforms[x])
                      for x in ["train", "val"]}
    dataloaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=batch_size,
                                                  shuffle=(x == "train"), num_workers=num_workers,
                                                  pin_memory=torch.cuda.is_available())
                   for x in ["train", "val"]}
    class_names = image_datasets["train"].classes
    return dataloaders, class_names
