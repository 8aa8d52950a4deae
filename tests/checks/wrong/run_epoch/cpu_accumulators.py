# expect: adds numbers from the GPU into a tensor made on the CPU
# Sums kept as tensors, to call .item() once at the end, but made on the CPU.
def run_epoch(model, loader, criterion, device, optimizer=None):
    train = optimizer is not None
    model.train() if train else model.eval()
    loss_sum = torch.zeros(())
    right = torch.zeros((), dtype=torch.long)
    n = 0
    for batch, targets in loader:
        batch, targets = batch.to(device), targets.to(device)
        with torch.set_grad_enabled(train):
            logits = model(batch)
            loss = criterion(logits, targets)
        if train:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        loss_sum += loss.detach() * targets.numel()
        right += (logits.argmax(dim=-1) == targets).sum()
        n += targets.numel()
    return (loss_sum / n).item(), right.item() / n
