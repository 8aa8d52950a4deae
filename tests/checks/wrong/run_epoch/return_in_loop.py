# expect: the return is inside the loop
def run_epoch(model, loader, criterion, device, optimizer=None):
    if optimizer is not None:
        model.train()
    else:
        model.eval()
    running_loss = 0.0
    running_correct = 0
    count = 0
    for images, targets in loader:
        images = images.to(device)
        targets = targets.to(device)
        with torch.set_grad_enabled(optimizer is not None):
            if optimizer is not None:
                optimizer.zero_grad()
            scores = model(images)
            loss = criterion(scores, targets)
            if optimizer is not None:
                loss.backward()
                optimizer.step()
        running_loss += loss.item() * images.size(0)
        running_correct += (scores.argmax(1) == targets).sum().item()
        count += images.size(0)
        return running_loss / count, running_correct / count
