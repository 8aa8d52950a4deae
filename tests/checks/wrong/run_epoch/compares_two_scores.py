# expect: not a score compared with a threshold or with one other score
# Right for two classes only: "dog" when its score beats the cat's.
def run_epoch(model, loader, criterion, device, optimizer=None):
    training = optimizer is not None
    model.train(training)
    total, right, n = 0.0, 0, 0
    with torch.set_grad_enabled(training):
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            if training:
                optimizer.zero_grad()
            scores = model(images)
            loss = criterion(scores, labels)
            if training:
                loss.backward()
                optimizer.step()
            guess = (scores[:, 1] > scores[:, 0]).long()
            right += (guess == labels).sum().item()
            total += loss.item() * len(labels)
            n += len(labels)
    return total / n, right / n
