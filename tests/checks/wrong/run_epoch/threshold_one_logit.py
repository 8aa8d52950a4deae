# expect: not a score compared with a threshold
# The prediction read off the second score alone: positive means class 1.
def run_epoch(model, loader, criterion, device, optimizer=None):
    training = optimizer is not None
    model.train(training)
    total_loss, correct, seen = 0.0, 0, 0
    with torch.set_grad_enabled(training):
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            if training:
                optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            if training:
                loss.backward()
                optimizer.step()
            preds = (outputs[:, 1] > 0).long()
            total_loss += loss.item() * inputs.size(0)
            correct += (preds == labels).sum().item()
            seen += inputs.size(0)
    return total_loss / seen, correct / seen
