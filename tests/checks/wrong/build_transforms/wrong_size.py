# expect: wrong size
def build_transforms(train, size=224):
    to_rgb = transforms.Lambda(lambda image: image.convert("RGB"))
    if train:
        return transforms.Compose([to_rgb, transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    return transforms.Compose([to_rgb, transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
