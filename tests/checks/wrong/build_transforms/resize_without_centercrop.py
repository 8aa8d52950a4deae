# expect: Resize without CenterCrop
def build_transforms(train, size=224):
    to_rgb = transforms.Lambda(lambda image: image.convert("RGB"))
    if train:
        return transforms.Compose([to_rgb, transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(), transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    return transforms.Compose([to_rgb, transforms.Resize((size, size)), transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
