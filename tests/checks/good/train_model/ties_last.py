# >= keeps the last of equally good epochs; the lr read from the scheduler when there is one.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    if device is None:
        device = next(model.parameters()).device
    history = {name: [] for name in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}
    best = (-1.0, None)
    for _ in range(num_epochs):
        lr = scheduler.get_last_lr()[0] if scheduler is not None else optimizer.param_groups[0]["lr"]
        history["lr"].append(lr)
        loss, acc = run_epoch(model, loaders["train"], criterion, device, optimizer)
        history["train_loss"].append(loss)
        history["train_acc"].append(acc)
        if scheduler is not None:
            scheduler.step()
        loss, acc = run_epoch(model, loaders["val"], criterion, device)
        history["val_loss"].append(loss)
        history["val_acc"].append(acc)
        if acc >= best[0]:
            best = (acc, {key: value.clone() for key, value in model.state_dict().items()})
    model.load_state_dict(best[1])
    return model, history
