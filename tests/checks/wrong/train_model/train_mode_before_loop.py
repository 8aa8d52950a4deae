# expect: call model.train() at the start of every epoch's training pass
# A helper for each pass; the training mode set once, the evaluation mode each epoch.
def _one_pass(model, loader, criterion, device, optimizer=None):
    total, right, seen = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        with torch.set_grad_enabled(optimizer is not None):
            out = model(x)
            loss = criterion(out, y)
        if optimizer is not None:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        total += loss.item() * y.size(0)
        right += (out.argmax(dim=1) == y).sum().item()
        seen += y.size(0)
    return total / seen, right / seen


def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device or next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best = (-1.0, None)
    model.train(True)
    for epoch in range(num_epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        train_loss, train_acc = _one_pass(model, loaders["train"], criterion, device, optimizer)
        if scheduler is not None:
            scheduler.step()
        model.eval()
        val_loss, val_acc = _one_pass(model, loaders["val"], criterion, device)
        for key, value in zip(("train_loss", "train_acc", "val_loss", "val_acc"),
                              (train_loss, train_acc, val_loss, val_acc)):
            history[key].append(value)
        if val_acc > best[0]:
            best = (val_acc, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[1])
    return model, history
