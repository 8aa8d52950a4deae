# expect: not one transform
# The steps, but never wrapped in Compose.
def build_transforms(train, size=224):
    steps = [transforms.Lambda(lambda image: image.convert("RGB"))]
    if train:
        steps += [transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip()]
    else:
        steps += [transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size)]
    steps += [transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
    return steps
