# expect: it zeroes the gradients after optimizer.step()
# Two branches; the training one clears the model's gradients at the end of each batch.
def run_epoch(model, loader, criterion, device, optimizer=None):
    loss_sum, hits, count = 0.0, 0, 0
    if optimizer is None:
        model.eval()
        with torch.no_grad():
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                out = model(x)
                loss_sum += criterion(out, y).item() * len(y)
                hits += (out.argmax(1) == y).sum().item()
                count += len(y)
    else:
        model.train()
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss = criterion(out, y)
            loss.backward()
            optimizer.step()
            model.zero_grad()
            loss_sum += loss.item() * len(y)
            hits += (out.argmax(1) == y).sum().item()
            count += len(y)
    return loss_sum / count, hits / count
