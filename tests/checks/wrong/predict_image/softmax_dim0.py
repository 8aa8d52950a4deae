# expect: softmax over dim=0
import io

def predict_image(model, image, class_names, size=224, device=None):
    if isinstance(image, (bytes, bytearray)):
        image = Image.open(io.BytesIO(image))
    elif not isinstance(image, Image.Image):
        image = Image.open(image)
    image = ImageOps.exif_transpose(image).convert("RGB")
    if device is None:
        device = next(model.parameters()).device
    batch = build_transforms(train=False, size=size)(image).unsqueeze(0).to(device)
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(batch), dim=0)[0]
    return {name: float(p) for name, p in zip(class_names, probabilities)}
