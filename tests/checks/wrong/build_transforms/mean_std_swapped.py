# expect: wrong mean or std
def build_transforms(train, size=224):
    to_rgb = transforms.Lambda(lambda image: image.convert("RGB"))
    if train:
        return transforms.Compose([to_rgb, transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(IMAGENET_STD, IMAGENET_MEAN)])
    return transforms.Compose([to_rgb, transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size), transforms.ToTensor(), transforms.Normalize(IMAGENET_STD, IMAGENET_MEAN)])
