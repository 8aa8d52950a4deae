# expect: not after it
# The phase loop over ("train", "val"), the scheduler stepped once both phases are done.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device if device is not None else next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_acc, best_state = None, None
    for epoch in range(num_epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        for phase in ("train", "val"):
            loss, acc = run_epoch(model, loaders[phase], criterion, device, optimizer if phase == "train" else None)
            history[f"{phase}_loss"].append(loss)
            history[f"{phase}_acc"].append(acc)
        if best_acc is None or history["val_acc"][-1] > best_acc:
            best_acc = history["val_acc"][-1]
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        if scheduler:
            scheduler.step()
    model.load_state_dict(best_state)
    return model, history
