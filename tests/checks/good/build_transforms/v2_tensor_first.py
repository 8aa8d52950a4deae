# transforms.v2 on a tensor image from the start: ToImage and ToDtype first, the geometry after.
from torchvision.transforms import v2

def build_transforms(train, size=224):
    steps = [v2.Lambda(lambda image: image.convert("RGB")), v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]
    if train:
        steps += [v2.RandomResizedCrop(size, antialias=True), v2.RandomHorizontalFlip()]
    else:
        steps += [v2.Resize(round(size * 256 / 224), antialias=True), v2.CenterCrop(size)]
    steps.append(v2.Normalize(mean=list(IMAGENET_MEAN), std=list(IMAGENET_STD)))
    return v2.Compose(steps)
