# Probabilities first (softmax), then the most likely class; zero_grad(set_to_none=False) at the top of each batch.
def run_epoch(model, loader, criterion, device, optimizer=None):
    train = optimizer is not None
    if train:
        model.train()
    else:
        model.eval()
    sums = {"loss": 0.0, "right": 0, "n": 0}
    for batch in loader:
        images, labels = (t.to(device) for t in batch)
        if train:
            optimizer.zero_grad(set_to_none=False)
        with torch.set_grad_enabled(train):
            logits = model(images)
            loss = criterion(logits, labels)
        if train:
            loss.backward()
            optimizer.step()
        probs = F.softmax(logits.detach(), dim=1)
        sums["right"] += int((probs.argmax(dim=1) == labels).sum())
        sums["loss"] += loss.item() * labels.numel()
        sums["n"] += labels.numel()
    return sums["loss"] / sums["n"], sums["right"] / sums["n"]
