# expect: not scaled to [0, 1]
# PILToTensor keeps 0 to 255; .float() makes them floats, still 0 to 255.
def build_transforms(train, size=224):
    to_float = transforms.Lambda(lambda tensor: tensor.float())
    first = [transforms.Lambda(lambda image: image.convert("RGB")), transforms.PILToTensor(), to_float]
    if train:
        middle = [transforms.RandomResizedCrop(size, antialias=True), transforms.RandomHorizontalFlip()]
    else:
        middle = [transforms.Resize(round(size * 256 / 224), antialias=True), transforms.CenterCrop(size)]
    return transforms.Compose(first + middle + [transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
