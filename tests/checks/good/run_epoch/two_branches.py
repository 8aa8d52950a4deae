# Separate training and evaluation loops; inference_mode; model.zero_grad.
def run_epoch(model, loader, criterion, device, optimizer=None):
    total, correct, count = 0.0, 0, 0
    if optimizer is not None:
        model.train()
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            model.zero_grad(set_to_none=True)
            scores = model(x)
            loss = criterion(scores, y)
            loss.backward()
            optimizer.step()
            total += float(loss) * len(y)
            correct += int((scores.argmax(1) == y).sum())
            count += len(y)
    else:
        model.eval()
        with torch.inference_mode():
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                scores = model(x)
                total += criterion(scores, y).item() * len(y)
                correct += int((scores.argmax(1) == y).sum())
                count += len(y)
    return total / count, correct / count
