# expect: it crops without resizing first
def build_transforms(train, size=224):
    to_rgb = transforms.Lambda(lambda image: image.convert("RGB"))
    normalize = transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)
    if train:
        return transforms.Compose([to_rgb, transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize])
    return transforms.Compose([to_rgb, transforms.CenterCrop(size), transforms.ToTensor(), normalize])
