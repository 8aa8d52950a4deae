# Adds up detached tensors on the device and turns them into floats at the end; zero_grad after the step.
def run_epoch(model, loader, criterion, device, optimizer=None):
    train = optimizer is not None
    model.train() if train else model.eval()
    loss_sum = torch.zeros((), device=device)
    right = torch.zeros((), dtype=torch.long, device=device)
    n = 0
    if train:
        optimizer.zero_grad()
    for batch, targets in loader:
        batch, targets = batch.to(device), targets.to(device)
        with torch.set_grad_enabled(train):
            logits = model(batch)
            loss = criterion(logits, targets)
        if train:
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        loss_sum += loss.detach() * targets.numel()
        right += (logits.argmax(dim=-1) == targets).sum()
        n += targets.numel()
    return (loss_sum / n).item(), right.item() / n
