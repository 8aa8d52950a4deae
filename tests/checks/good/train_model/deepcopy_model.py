# A while loop; keeps a deep copy of the whole model and loads its weights back.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    if device is None:
        device = next(iter(model.parameters())).device
    history = dict(train_loss=[], train_acc=[], val_loss=[], val_acc=[], lr=[])
    best_model, best_acc = copy.deepcopy(model), float("-inf")
    epoch = 0
    while epoch < num_epochs:
        history["lr"].append(optimizer.param_groups[0]["lr"])
        loss, acc = run_epoch(model, loaders["train"], criterion, device, optimizer=optimizer)
        history["train_loss"].append(loss)
        history["train_acc"].append(acc)
        if scheduler is not None:
            scheduler.step()
        loss, acc = run_epoch(model, loaders["val"], criterion, device)
        history["val_loss"].append(loss)
        history["val_acc"].append(acc)
        if acc > best_acc:
            best_acc, best_model = acc, copy.deepcopy(model)
        epoch += 1
    model.load_state_dict(best_model.state_dict())
    return model, history
