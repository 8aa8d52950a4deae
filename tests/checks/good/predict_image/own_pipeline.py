import io

def predict_image(model, image, class_names, size=224, device=None):
    # Its own copy of the eval recipe, and the probabilities as a dict comprehension.
    if not isinstance(image, Image.Image):
        image = Image.open(io.BytesIO(image) if isinstance(image, bytes) else image)
    image = ImageOps.exif_transpose(image).convert("RGB")
    recipe = transforms.Compose([
        transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size),
        transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    if device is None:
        device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        logits = model(recipe(image).unsqueeze(0).to(device))
    p = logits.softmax(dim=1)[0]
    return {class_names[i]: p[i].item() for i in range(len(class_names))}
