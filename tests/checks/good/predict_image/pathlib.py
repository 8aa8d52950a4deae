import io

def predict_image(model, image, class_names, size=224, device=None):
    if isinstance(image, (bytes, bytearray, memoryview)):
        image = Image.open(io.BytesIO(bytes(image)))
    elif isinstance(image, (str, Path)):
        with open(image, "rb") as f:
            image = Image.open(io.BytesIO(f.read()))
    upright = ImageOps.exif_transpose(image)
    rgb = upright.convert("RGB")
    param = next(model.parameters())
    batch = build_transforms(train=False, size=size)(rgb).unsqueeze(0).to(device or param.device)
    model.eval()
    with torch.no_grad():
        scores = model(batch)
    probabilities = torch.nn.functional.softmax(scores, dim=1).squeeze(0)
    return {str(name): probabilities[i].item() for i, name in enumerate(class_names)}
