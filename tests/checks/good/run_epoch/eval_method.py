# model.eval() rather than model.train(False), torch.no_grad() rather than set_grad_enabled,
# non_blocking copies, the sizes from len().
def run_epoch(model, loader, criterion, device, optimizer=None):
    if optimizer is None:
        model.eval()
    else:
        model.train()
    losses, hits, count = [], 0, 0

    def one_batch(inputs, labels):
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        return outputs, loss

    for inputs, labels in loader:
        inputs = inputs.to(device, non_blocking=True)
        labels = labels.to(device, non_blocking=True)
        if optimizer is None:
            with torch.no_grad():
                outputs, loss = one_batch(inputs, labels)
        else:
            optimizer.zero_grad(set_to_none=True)
            outputs, loss = one_batch(inputs, labels)
            loss.backward()
            optimizer.step()
        losses.append(loss.item() * len(labels))
        hits += (outputs.argmax(1) == labels).sum().item()
        count += len(labels)
    return sum(losses) / count, hits / count
