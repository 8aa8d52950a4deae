# expect: not (loaders, class_names)
# The tutorial keeps datasets, loaders, sizes and class names; this returns three of them.
def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    image_datasets = {x: datasets.ImageFolder(os.path.join(data_dir, x), build_transforms(x == "train", size))
                      for x in ["train", "val"]}
    dataloaders = {x: DataLoader(image_datasets[x], batch_size=batch_size, shuffle=(x == "train"),
                                 num_workers=num_workers) for x in ["train", "val"]}
    dataset_sizes = {x: len(image_datasets[x]) for x in ["train", "val"]}
    return dataloaders, dataset_sizes, image_datasets["train"].classes
