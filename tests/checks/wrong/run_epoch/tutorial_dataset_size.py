# expect: it divides by len(loader.dataset)
# The transfer-learning tutorial's inner loop, one phase: torch.max for the predictions,
# running_corrects as a tensor, set_grad_enabled around forward and backward; the sizes by len(loader.dataset),
# which counts images a loader may never yield (drop_last, a sampler over part of the dataset).
def run_epoch(model, loader, criterion, device, optimizer=None):
    phase = "train" if optimizer is not None else "val"
    if phase == "train":
        model.train()  # Set model to training mode
    else:
        model.eval()   # Set model to evaluate mode
    running_loss = 0.0
    running_corrects = 0
    for inputs, labels in loader:
        inputs = inputs.to(device)
        labels = labels.to(device)
        if phase == "train":
            optimizer.zero_grad()
        with torch.set_grad_enabled(phase == "train"):
            outputs = model(inputs)
            _, preds = torch.max(outputs, 1)
            loss = criterion(outputs, labels)
            if phase == "train":
                loss.backward()
                optimizer.step()
        running_loss += loss.item() * inputs.size(0)
        running_corrects += torch.sum(preds == labels.data)
    size = len(loader.dataset)
    epoch_loss = running_loss / size
    epoch_acc = running_corrects.double() / size
    return epoch_loss, epoch_acc.item()
