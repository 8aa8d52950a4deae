def build_transforms(train, size=224):
    # PILToTensor + ConvertImageDtype instead of ToTensor; the resize size computed first.
    steps = [transforms.Lambda(lambda im: im if im.mode == "RGB" else im.convert("RGB"))]
    if train:
        steps += [transforms.RandomResizedCrop((size, size)), transforms.RandomHorizontalFlip()]
    else:
        short_side = int(size * 256 / 224 + 0.5)
        steps += [transforms.Resize(short_side), transforms.CenterCrop((size, size))]
    steps += [transforms.PILToTensor(), transforms.ConvertImageDtype(torch.float32),
              transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
    return transforms.Compose(steps)
