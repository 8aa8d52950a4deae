def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = next(model.parameters()).device if device is None else device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_state, best_acc = None, None
    for epoch in range(1, num_epochs + 1):
        lr = float(optimizer.param_groups[0]["lr"])
        tl, ta = run_epoch(model, loaders["train"], criterion, device, optimizer)
        if scheduler is not None:
            scheduler.step()
        vl, va = run_epoch(model, loaders["val"], criterion, device, optimizer=None)
        for key, value in (("train_loss", tl), ("train_acc", ta), ("val_loss", vl), ("val_acc", va), ("lr", lr)):
            history[key].append(float(value))
        print(f"epoch {epoch}: val acc {va:.2f}")
        if best_acc is None or va > best_acc:
            best_acc = va
            best_state = copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    return model, history
