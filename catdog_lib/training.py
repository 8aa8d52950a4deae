"""Training: one pass over the data, and the loop that keeps the best weights.

The pieces of lesson 04. The one loop (``catdog_lib.train.loop``) calls ``train_model`` once for the
whole run, and hooks checkpoints, progress bars and mixed precision in through the objects it hands it.
"""
import copy

import torch


def run_epoch(model, loader, criterion, device, optimizer=None):
    """One pass over ``loader``: a training pass with an optimizer, an evaluation pass without.

    Training: ``model.train()`` (batch normalization uses each batch's
    statistics and updates its running averages; ResNet18 has no dropout),
    and for each batch: zero the old gradients, forward, loss, backward, step.
    Evaluation: ``model.eval()`` and no gradient tracking, so nothing in the
    model changes and memory is spared.

    Returns ``(mean loss per image, accuracy)`` as Python floats. We add each
    batch's loss times its size and divide by the number of images at the
    end, so a short last batch weighs no more than its images.
    """
    training = optimizer is not None
    model.train(training)
    total_loss, correct, seen = 0.0, 0, 0
    with torch.set_grad_enabled(training):
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            if training:
                optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            if training:
                loss.backward()
                optimizer.step()
            total_loss += loss.item() * inputs.size(0)
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            seen += inputs.size(0)
    return total_loss / seen, correct / seen


def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    """Train for ``num_epochs`` and return the model with its best weights, and the history.

    Each epoch: a training pass over ``loaders["train"]``, one step of the
    learning-rate schedule, then an evaluation pass over ``loaders["val"]``.
    The validation accuracy tells which epoch was best. We keep a *copy* of
    those weights (``copy.deepcopy``: ``state_dict()`` alone returns the live
    tensors, which later epochs would overwrite) and load it back at the end.

    ``history`` has one value per epoch under ``train_loss``, ``train_acc``,
    ``val_loss``, ``val_acc`` and ``lr`` (the learning rate of that epoch's
    training pass).
    """
    if device is None:
        device = next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_acc = -1.0
    best_weights = copy.deepcopy(model.state_dict())

    for epoch in range(num_epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        train_loss, train_acc = run_epoch(model, loaders["train"], criterion, device, optimizer)
        if scheduler is not None:
            scheduler.step()
        val_loss, val_acc = run_epoch(model, loaders["val"], criterion, device)

        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        print(f"epoch {epoch + 1}/{num_epochs}: train loss {train_loss:.3f} acc {train_acc:.3f}, "
              f"val loss {val_loss:.3f} acc {val_acc:.3f}")

        if val_acc > best_acc:
            best_acc = val_acc
            best_weights = copy.deepcopy(model.state_dict())

    model.load_state_dict(best_weights)
    return model, history
