# expect: it divides by len(loader.dataset)
# The number of samples read off the sampler, which knows the dataset, not what the batches drop.
def run_epoch(model, loader, criterion, device, optimizer=None):
    n = len(loader.sampler)
    if optimizer is not None:
        model.train()
    else:
        model.eval()
    total = torch.zeros((), device=device)
    right = torch.zeros((), device=device)
    with torch.set_grad_enabled(optimizer is not None):
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            if optimizer is not None:
                optimizer.zero_grad()
            scores = model(images)
            loss = criterion(scores, labels)
            if optimizer is not None:
                loss.backward()
                optimizer.step()
            total += loss.detach() * len(labels)
            right += (scores.argmax(dim=1) == labels).sum()
    return total.item() / n, right.item() / n
