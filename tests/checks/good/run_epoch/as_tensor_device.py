# Batches moved with torch.as_tensor(x, device=device), predictions with max(dim=1).
def run_epoch(model, loader, criterion, device, optimizer=None):
    model.train(optimizer is not None)
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in loader:
        x = torch.as_tensor(x, device=device)
        y = torch.as_tensor(y, device=device)
        if optimizer is not None:
            optimizer.zero_grad()
            out = model(x)
            loss = criterion(out, y)
            loss.backward()
            optimizer.step()
        else:
            with torch.no_grad():
                out = model(x)
                loss = criterion(out, y)
        _, predicted = out.max(dim=1)
        total_loss += loss.item() * y.shape[0]
        correct += (predicted == y).sum().item()
        seen += y.shape[0]
    return total_loss / seen, correct / seen
