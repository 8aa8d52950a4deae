# Converts first, turns upright after (convert keeps the EXIF data); numpy for the probabilities.
import io

def predict_image(model, image, class_names, size=224, device=None):
    if isinstance(image, (bytes, bytearray)):
        image = Image.open(io.BytesIO(image))
    elif isinstance(image, (str, os.PathLike)):
        image = Image.open(image)
    image = ImageOps.exif_transpose(image.convert("RGB"))
    device = device if device is not None else next(model.parameters()).device
    x = build_transforms(train=False, size=size)(image).unsqueeze(0).to(device, non_blocking=True)
    model.eval()
    with torch.inference_mode():
        probabilities = torch.softmax(model(x), dim=1).cpu().numpy()[0]
    return {name: float(p) for name, p in zip(class_names, probabilities)}
