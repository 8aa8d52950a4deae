# The tutorial's train_model as it was before it saved to a temporary file: best_model_wts by
# copy.deepcopy, the phase loop over ['train', 'val'], scheduler.step() after the training phase.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device if device is not None else next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = 0.0
    for epoch in range(num_epochs):
        for phase in ["train", "val"]:
            if phase == "train":
                history["lr"].append(optimizer.param_groups[0]["lr"])
                model.train()
            else:
                model.eval()
            running_loss = 0.0
            running_corrects = 0
            for inputs, labels in loaders[phase]:
                inputs, labels = inputs.to(device), labels.to(device)
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
            if phase == "train" and scheduler:
                scheduler.step()
            n = len(loaders[phase].dataset)
            epoch_acc = float(running_corrects) / n
            history[phase + "_loss"].append(running_loss / n)
            history[phase + "_acc"].append(epoch_acc)
            if phase == "val" and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
    model.load_state_dict(best_model_wts)
    return model, history
