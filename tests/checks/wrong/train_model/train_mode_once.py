# expect: call model.train() at the start of every epoch's training pass
# Its own passes, model.train() once before the epochs: after the first evaluation it trains in eval mode.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device if device is not None else next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_acc, best_weights = -1.0, copy.deepcopy(model.state_dict())
    model.train()
    for epoch in range(num_epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        total, right, seen = 0.0, 0, 0
        for inputs, labels in loaders["train"]:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
            right += (outputs.argmax(1) == labels).sum().item()
            seen += len(labels)
        history["train_loss"].append(total / seen)
        history["train_acc"].append(right / seen)
        if scheduler is not None:
            scheduler.step()
        model.eval()
        total, right, seen = 0.0, 0, 0
        with torch.no_grad():
            for inputs, labels in loaders["val"]:
                inputs, labels = inputs.to(device), labels.to(device)
                outputs = model(inputs)
                total += criterion(outputs, labels).item() * len(labels)
                right += (outputs.argmax(1) == labels).sum().item()
                seen += len(labels)
        history["val_loss"].append(total / seen)
        history["val_acc"].append(right / seen)
        if right / seen > best_acc:
            best_acc, best_weights = right / seen, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_weights)
    return model, history
