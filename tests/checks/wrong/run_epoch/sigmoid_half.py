# expect: not a score compared with a threshold
# A binary classifier's habit: sigmoid of the "dog" score, rounded at 0.5.
def run_epoch(model, loader, criterion, device, optimizer=None):
    if optimizer:
        model.train()
    else:
        model.eval()
    losses, hits, count = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        with torch.set_grad_enabled(optimizer is not None):
            out = model(x)
            loss = criterion(out, y)
        if optimizer:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        predicted = torch.sigmoid(out[:, 1]).round()
        hits += int((predicted == y.float()).sum())
        losses += float(loss) * len(y)
        count += len(y)
    return losses / count, hits / count
