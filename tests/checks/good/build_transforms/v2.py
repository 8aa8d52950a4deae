from torchvision.transforms import v2

def build_transforms(train, size=224):
    start = [v2.Lambda(lambda image: image.convert("RGB"))]
    end = [v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
    if train:
        middle = [v2.RandomResizedCrop(size), v2.RandomHorizontalFlip()]
    else:
        middle = [v2.Resize(round(size * 256 / 224)), v2.CenterCrop(size)]
    return v2.Compose(start + middle + end)
