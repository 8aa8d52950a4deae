# expect: call model.train() first
# Switches to eval for evaluation, and relies on the model being in training mode otherwise.
def run_epoch(model, loader, criterion, device, optimizer=None):
    if optimizer is None:
        model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.set_grad_enabled(optimizer is not None):
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            if optimizer is not None:
                optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            if optimizer is not None:
                loss.backward()
                optimizer.step()
            total_loss += loss.item() * len(labels)
            correct += int((outputs.argmax(1) == labels).sum())
            seen += len(labels)
    return total_loss / seen, correct / seen
