# expect: the model you passed ends with the last epoch's weights
# Keeps a deep copy of the best model and returns it; the caller's model keeps the last weights.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device or next(model.parameters()).device
    history = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}
    best_model, best_acc = copy.deepcopy(model), -1.0
    for epoch in range(num_epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        train_loss, train_acc = run_epoch(model, loaders["train"], criterion, device, optimizer)
        if scheduler is not None:
            scheduler.step()
        val_loss, val_acc = run_epoch(model, loaders["val"], criterion, device)
        for key, value in zip(history, (train_loss, train_acc, val_loss, val_acc)):
            history[key].append(value)
        if val_acc > best_acc:
            best_acc, best_model = val_acc, copy.deepcopy(model)
    return best_model, history
