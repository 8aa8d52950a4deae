# expect: a missing conversion
# Its own pipeline, PILToTensor instead of ToTensor: the numbers stay uint8, 0 to 255.
import io

def predict_image(model, image, class_names, size=224, device=None):
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    elif not isinstance(image, Image.Image):
        image = Image.open(image)
    image = ImageOps.exif_transpose(image).convert("RGB")
    pipeline = transforms.Compose([transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size),
                                   transforms.PILToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    device = device or next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        out = model(pipeline(image).unsqueeze(0).to(device))
    return dict(zip(class_names, torch.softmax(out, 1)[0].tolist()))
