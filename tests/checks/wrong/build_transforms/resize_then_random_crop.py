# expect: a crop at one scale
# Many tutorials augment so: Resize(256), RandomCrop(224).
def build_transforms(train, size=224):
    to_rgb = transforms.Lambda(lambda image: image.convert("RGB"))
    normalize = transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)
    if train:
        return transforms.Compose([to_rgb, transforms.Resize(round(size * 256 / 224)), transforms.RandomCrop(size), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize])
    return transforms.Compose([to_rgb, transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size), transforms.ToTensor(), normalize])
