# Converts to a tensor first, so Resize works on tensors (a gray level or two from PIL's).
def build_transforms(train, size=224):
    def to_tensor(image):
        return transforms.functional.pil_to_tensor(image.convert("RGB")).float() / 255

    steps = [transforms.Lambda(to_tensor)]
    if train:
        steps += [transforms.RandomResizedCrop(size, antialias=True), transforms.RandomHorizontalFlip(p=0.5)]
    else:
        steps += [transforms.Resize(int(round(size * 256 / 224)), antialias=True), transforms.CenterCrop(size)]
    steps.append(transforms.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD))
    return transforms.Compose(steps)
