# Its own passes with model.train() / model.eval() each epoch, best weights as v.cpu().clone(),
# the lr read from the optimizer whether or not there is a scheduler.
def train_model(model, criterion, optimizer, scheduler, loaders, num_epochs=10, device=None):
    device = device or next(model.parameters()).device
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": [], "lr": []}
    best_acc, best = float("-inf"), None
    for epoch in range(num_epochs):
        for phase in ("train", "val"):
            training = phase == "train"
            model.train(training)
            if training:
                history["lr"].append(optimizer.param_groups[0]["lr"])
            total, right, seen = 0.0, 0, 0
            for x, y in loaders[phase]:
                x, y = x.to(device), y.to(device)
                with torch.set_grad_enabled(training):
                    if training:
                        optimizer.zero_grad()
                    out = model(x)
                    loss = criterion(out, y)
                    if training:
                        loss.backward()
                        optimizer.step()
                total += loss.item() * len(y)
                right += (out.argmax(1) == y).sum().item()
                seen += len(y)
            history[phase + "_loss"].append(total / seen)
            history[phase + "_acc"].append(right / seen)
            if training and scheduler is not None:
                scheduler.step()
        if history["val_acc"][-1] > best_acc:
            best_acc = history["val_acc"][-1]
            best = {k: v.cpu().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best)
    return model, history
