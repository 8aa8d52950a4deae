# expect: after the train transforms, its colour in [0, 1]: no Normalize
def build_transforms(train, size=224):
    to_rgb = transforms.Lambda(lambda image: image.convert("RGB"))
    normalize = transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)
    if train:
        return transforms.Compose([to_rgb, transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(), transforms.ToTensor()])
    return transforms.Compose([to_rgb, transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size), transforms.ToTensor(), normalize])
