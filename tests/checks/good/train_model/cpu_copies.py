# The best weights kept as CPU copies, to spare GPU memory; load_state_dict copies them back where the model is.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    if device is None:
        device = next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_acc, best_weights = -1.0, None
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
        if val_acc > best_acc:
            best_acc = val_acc
            best_weights = {k: v.to("cpu", copy=True) for k, v in model.state_dict().items()}
    model.load_state_dict(best_weights)
    return model, history
