# expect: not after it
# scheduler.step() at the very end of the epoch, after the evaluation pass.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    if device is None:
        device = next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_acc, best_weights = -1.0, copy.deepcopy(model.state_dict())
    for epoch in range(num_epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        train_loss, train_acc = run_epoch(model, loaders["train"], criterion, device, optimizer)
        val_loss, val_acc = run_epoch(model, loaders["val"], criterion, device)
        for key, value in (("train_loss", train_loss), ("train_acc", train_acc), ("val_loss", val_loss),
                           ("val_acc", val_acc)):
            history[key].append(value)
        if val_acc > best_acc:
            best_acc, best_weights = val_acc, copy.deepcopy(model.state_dict())
        if scheduler is not None:
            scheduler.step()
    model.load_state_dict(best_weights)
    return model, history
