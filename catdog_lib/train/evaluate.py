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
