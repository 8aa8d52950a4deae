# expect: scheduler stepped per batch
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    if device is None:
        device = next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_acc = -1.0
    best_weights = copy.deepcopy(model.state_dict())
    for epoch in range(num_epochs):
        history["lr"].append(optimizer.param_groups[0]["lr"])
        model.train()
        total, correct, seen = 0.0, 0, 0
        for inputs, labels in loaders["train"]:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.item() * len(labels)
            correct += (outputs.argmax(1) == labels).sum().item()
            seen += len(labels)
        train_loss, train_acc = total / seen, correct / seen
        val_loss, val_acc = run_epoch(model, loaders["val"], criterion, device)
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        if val_acc > best_acc:
            best_acc = val_acc
            best_weights = copy.deepcopy(model.state_dict())
    model.load_state_dict(best_weights)
    return model, history
