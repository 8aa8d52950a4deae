"""Classify one photo: the last piece, used by the upload box and ``catdog predict``."""
import torch
from PIL import Image, ImageOps

from .transforms import build_transforms


def predict_image(model, image, class_names, size=224, device=None):
    """The model's probability for each class, for one image.

    ``image`` may be a PIL image, a path, or the bytes of an image file (what
    an upload gives). Phones store photos sideways with an EXIF note saying
    how to turn them: ``ImageOps.exif_transpose`` applies it. Then RGB (a PNG
    may have an alpha channel, a scan may be grayscale), the evaluation
    transforms, a batch of one, the model in eval mode without gradients,
    and softmax to turn scores into probabilities that sum to 1.
    Returns ``{class_name: probability}``.
    """
    import io

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
        probabilities = torch.softmax(model(batch), dim=1)[0]
    return {name: float(p) for name, p in zip(class_names, probabilities)}
