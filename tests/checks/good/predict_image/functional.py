import io

def predict_image(model, image, class_names, size=224, device=None):
    if isinstance(image, (str, os.PathLike)):
        image = Image.open(image)
    elif isinstance(image, (bytes, bytearray)):
        image = Image.open(io.BytesIO(image))
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        image = image.convert("RGB")
    device = device or next(model.parameters()).device
    x = build_transforms(False, size)(image)[None].to(device)
    model.eval()
    with torch.inference_mode():
        probs = F.softmax(model(x), dim=-1).squeeze(0).tolist()
    return dict(zip(class_names, probs))
