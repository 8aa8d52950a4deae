# expect: it must hold the learning rate of each epoch, scheduler or not
# None where there is no scheduler to ask.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device or next(model.parameters()).device
    history = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}
    best = None
    for epoch in range(num_epochs):
        lr = scheduler.get_last_lr()[0] if scheduler else None
        tl, ta = run_epoch(model, loaders["train"], criterion, device, optimizer)
        if scheduler:
            scheduler.step()
        vl, va = run_epoch(model, loaders["val"], criterion, device)
        for key, value in zip(history, (tl, ta, vl, va, lr)):
            history[key].append(value)
        if best is None or va > best[0]:
            best = (va, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[1])
    return model, history
