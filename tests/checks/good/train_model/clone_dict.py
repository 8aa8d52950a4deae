def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device or next(model.parameters()).device
    history = {key: [] for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}
    best = None
    for epoch in range(num_epochs):
        lr = scheduler.get_last_lr()[0] if scheduler is not None else optimizer.param_groups[0]["lr"]
        train_loss, train_acc = run_epoch(model, loaders["train"], criterion, device, optimizer)
        if scheduler:
            scheduler.step()
        val_loss, val_acc = run_epoch(model, loaders["val"], criterion, device)
        for key, value in zip(history, (train_loss, train_acc, val_loss, val_acc, lr)):
            history[key].append(value)
        if best is None or val_acc > best[0]:
            best = (val_acc, {k: v.detach().clone() for k, v in model.state_dict().items()})
    if best is not None:
        model.load_state_dict(best[1])
    return model, history
