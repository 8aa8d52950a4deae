# expect: a missing conversion
from torchvision.transforms import v2

def build_transforms(train, size=224):
    if train:
        middle = [v2.RandomResizedCrop(size), v2.RandomHorizontalFlip()]
    else:
        middle = [v2.Resize(round(size * 256 / 224)), v2.CenterCrop(size)]
    return v2.Compose([v2.Lambda(lambda image: image.convert("RGB")), v2.ToImage(), *middle,
                       v2.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
