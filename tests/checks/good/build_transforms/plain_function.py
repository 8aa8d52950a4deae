# No Compose: a function of its own, built on torchvision's functional transforms and random crop parameters.
import torchvision.transforms.functional as TF

def build_transforms(train, size=224):
    crop = transforms.RandomResizedCrop(size)

    def transform(image):
        image = image.convert("RGB")
        if train:
            top, left, height, width = crop.get_params(image, crop.scale, crop.ratio)
            image = TF.resized_crop(image, top, left, height, width, [size, size])
            if torch.rand(1).item() < 0.5:
                image = TF.hflip(image)
        else:
            image = TF.center_crop(TF.resize(image, round(size * 256 / 224)), size)
        return TF.normalize(TF.to_tensor(image), IMAGENET_MEAN, IMAGENET_STD)

    return transform
