def make_loaders(data_dir, batch_size=32, num_workers=0, size=224):
    image_sets = {split: datasets.ImageFolder(os.path.join(data_dir, split),
                                              transform=build_transforms(train=(split == "train"), size=size))
                  for split in ("train", "val")}
    loaders = {split: DataLoader(image_sets[split], batch_size=batch_size, shuffle=(split == "train"),
                                 num_workers=num_workers)
               for split in image_sets}
    return loaders, list(image_sets["train"].classes)
