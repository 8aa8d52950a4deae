"""The model's answers on a data set, for the confusion matrix and the top losses."""
import numpy as np
import torch


def evaluate_predictions(model, loader, device=None):
    """Run ``model`` over ``loader`` in eval mode: ``(y_true, y_pred, probs, losses)`` as NumPy arrays.

    In the loader's order (a validation loader does not shuffle, so index
    ``i`` is ``loader.dataset.samples[i]``). ``probs`` is ``N x classes``;
    ``losses`` is each sample's cross-entropy, for the top losses.
    """
    if device is None:
        device = next(model.parameters()).device
    model.eval()
    targets, outputs = [], []
    with torch.no_grad():
        for inputs, labels in loader:
            logits = model(inputs.to(device))
            outputs.append(torch.softmax(logits.float(), dim=1).cpu())
            targets.append(labels.cpu())
    probs = torch.cat(outputs).numpy() if outputs else np.zeros((0, 0))
    y_true = torch.cat(targets).numpy() if targets else np.zeros(0, dtype=int)
    y_pred = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=int)
    losses = per_sample_losses(y_true, probs) if len(probs) else np.zeros(0)
    return y_true, y_pred, probs, losses


def per_sample_losses(y_true, probs):
    """Cross-entropy of each sample: ``-log(probability given to the true class)``."""
    probs = np.asarray(probs, dtype=float)
    picked = probs[np.arange(len(probs)), np.asarray(y_true, dtype=int)]
    return -np.log(np.clip(picked, 1e-12, 1.0))


def test_loader(data_dir, transform, batch_size=64, workers=0, class_names=None):
    """A loader over ``data_dir/test/<label>/`` (held out by ``catdog prepare --test-fraction``), or ``None``.

    In the order of its files, not shuffled; ``class_names`` (the training
    set's) must be its classes too, so that label ``i`` means the same thing.
    """
    from pathlib import Path

    from torch.utils.data import DataLoader
    from torchvision import datasets

    folder = Path(data_dir) / "test"
    if not folder.is_dir() or not any(folder.glob("*/*")):
        return None
    dataset = datasets.ImageFolder(folder, transform)
    if class_names is not None and dataset.classes != list(class_names):
        from ..errors import CatdogError

        raise CatdogError(f"{folder} holds the classes {dataset.classes}, the training set {list(class_names)}: "
                          "prepare the data again")
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=workers)
