"""Lesson 04: build_model, run_epoch, train_model, predict_image.

build_model is judged on real ResNet18s: with ``weights=None``, and with
``weights="DEFAULT"`` read from a stand-in weights file the plugin puts in
a temporary torch cache (nothing is downloaded). The training pieces are
judged on tiny networks and a few made-up tensors, where the check knows
what every step must give.
"""
import copy
import io
import weakref

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision import models

import catdog_lib
from catdog_lib.course.plugin import FAKE_WEIGHT, CheckFailed, expect

# -- build_model ------------------------------------------------------------------------

_built = weakref.WeakKeyDictionary()  # the piece -> {arguments: model}: build each ResNet once


def _model(build_model, **kwargs):
    cache = _built.setdefault(build_model, {})
    key = tuple(sorted(kwargs.items()))
    if key not in cache:
        model = build_model(**kwargs)
        expect(isinstance(model, nn.Module), f"build_model returned {type(model).__name__}, not an nn.Module")
        fc = getattr(model, "fc", None)
        expect(isinstance(fc, nn.Linear), "the model has no fc layer that is an nn.Linear: "
               "start from models.resnet18 and replace model.fc")
        cache[key] = model
    return cache[key]


def test_replaces_fc(build_model):
    model = _model(build_model, num_classes=2, weights=None)
    expect(model.fc.out_features != 1000, "model.fc still has ImageNet's 1000 outputs: fc not replaced",
           hint="model.fc = nn.Linear(model.fc.in_features, num_classes)")
    expect(model.fc.in_features == 512 and model.fc.out_features == 2,
           f"model.fc is Linear({model.fc.in_features}, {model.fc.out_features}), not Linear(512, 2)")
    with torch.no_grad():
        out = model.eval()(torch.zeros(1, 3, 32, 32))
    expect(tuple(out.shape) == (1, 2), f"the model gives {tuple(out.shape)} for one image, not (1, 2)")


def test_number_of_classes(build_model):
    model = _model(build_model, num_classes=5, weights=None)
    expect(model.fc.out_features == 5, f"build_model(num_classes=5) has {model.fc.out_features} outputs: "
           "wrong number of outputs; use num_classes", hint="nn.Linear(512, num_classes)")


def test_is_a_resnet18(build_model):
    model = _model(build_model, num_classes=2, weights=None)
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in models.resnet18().state_dict().items() if not k.startswith("fc.")}
    got = {k: tuple(v.shape) for k, v in model.state_dict().items() if not k.startswith("fc.")}
    expect(got == expected, "the model is not torchvision's resnet18 (its layers differ): use models.resnet18")


def test_loads_the_imagenet_weights(build_model):
    model = _model(build_model, num_classes=2, weights="DEFAULT")
    conv = model.conv1.weight
    expect(bool((conv == FAKE_WEIGHT).all()), "with weights='DEFAULT' the model does not hold the ImageNet weights: "
           "pass weights to models.resnet18(weights=weights)")
    expect(not bool((model.fc.weight == FAKE_WEIGHT).all()), "fc holds old weights: make a new nn.Linear")
    random_start = _model(build_model, num_classes=2, weights=None)
    expect(not bool((random_start.conv1.weight == FAKE_WEIGHT).all()),
           "with weights=None the model still holds the ImageNet weights: weights=None means a random start")


def test_freeze_backbone(build_model):
    model = _model(build_model, num_classes=2, weights=None, freeze_backbone=True)
    fc = {id(p) for p in model.fc.parameters()}
    backbone = [p for p in model.parameters() if id(p) not in fc]
    expect(all(p.requires_grad for p in model.fc.parameters()),
           "with freeze_backbone=True, fc cannot learn either: freezing also freezes fc; "
           "freeze first, then make the new fc", hint="Set requires_grad = False before you replace model.fc.")
    expect(not any(p.requires_grad for p in backbone),
           "with freeze_backbone=True the backbone still learns: freeze_backbone ignored",
           hint="for param in model.parameters(): param.requires_grad = False")
    free = _model(build_model, num_classes=2, weights=None)
    expect(all(p.requires_grad for p in free.parameters()),
           "with freeze_backbone=False some parameters are frozen: freeze only when asked")


# -- run_epoch ------------------------------------------------------------------------------

class Spy:
    """Notes, for each forward pass, whether the model was training and tracked gradients."""

    def __init__(self, model):
        self.calls = []
        model.register_forward_hook(lambda module, args, out: self.calls.append(
            (module.training, torch.is_grad_enabled())))


def tiny_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 2))


def epoch_data():
    """10 images in batches of 4, 4 and 2; the fresh tiny model gets the first 8 right, the last 2 wrong."""
    model = tiny_model().eval()
    generator = torch.Generator().manual_seed(1)
    images = torch.randn(10, 3, 8, 8, generator=generator)
    with torch.no_grad():
        predictions = model(images).argmax(dim=1)
    labels = predictions.clone()
    labels[8:] = 1 - labels[8:]
    return model, DataLoader(TensorDataset(images, labels), batch_size=4, shuffle=False)


def _floats(result, what):
    expect(isinstance(result, tuple) and len(result) == 2, f"{what} returned {type(result).__name__}, "
           "not (loss, accuracy)")
    for name, value in zip(("loss", "accuracy"), result):
        if isinstance(value, torch.Tensor):
            raise CheckFailed(f"{what} returned a tensor for the {name}: tensors returned instead of floats; "
                              "return Python floats", hint="loss.item() is a float; so is correct / seen.")
        expect(isinstance(value, float), f"{what} returned {type(value).__name__} for the {name}, not a float")
    return result


def _measure(model, loader, criterion):
    """Per batch: (mean loss, size, correct)."""
    batches = []
    with torch.no_grad():
        for images, labels in loader:
            outputs = model(images)
            batches.append((criterion(outputs, labels).item(), len(labels),
                            (outputs.argmax(dim=1) == labels).sum().item()))
    return batches


def test_eval_returns_floats(run_epoch):
    model, loader = epoch_data()
    _floats(run_epoch(model, loader, nn.CrossEntropyLoss(), torch.device("cpu")), "run_epoch without an optimizer")


def test_eval_loss_and_accuracy(run_epoch):
    model, loader = epoch_data()
    criterion = nn.CrossEntropyLoss()
    batches = _measure(copy.deepcopy(model).eval(), loader, criterion)
    loss, accuracy = _floats(run_epoch(model, loader, criterion, torch.device("cpu")), "run_epoch")
    n = sum(size for _, size, _ in batches)
    per_sample = sum(l * size for l, size, _ in batches) / n
    per_batch = sum(l for l, _, _ in batches) / len(batches)
    right = sum(c for _, _, c in batches) / n
    if abs(loss - per_batch) < 1e-4 and abs(loss - per_sample) > 1e-4:
        raise CheckFailed(f"the loss is {loss:.4f}, the mean of the batch means: loss averaged per batch instead of "
                          f"per sample (it should be {per_sample:.4f}); a short last batch must weigh by its size",
                          hint="Add loss.item() * inputs.size(0) per batch and divide by the number of samples.")
    expect(abs(loss - per_sample) < 1e-4, f"the evaluation loss is {loss:.4f}, not the mean loss per sample "
           f"{per_sample:.4f}")
    last = batches[-1][2] / batches[-1][1]
    if abs(accuracy - last) < 1e-6 and abs(accuracy - right) > 1e-6:
        raise CheckFailed(f"the accuracy is {accuracy:.2f}, that of the last batch only (over all images it is "
                          f"{right:.2f}): count correct predictions over every batch")
    if abs(accuracy - sum(c / s for _, s, c in batches) / len(batches)) < 1e-6 and abs(accuracy - right) > 1e-6:
        raise CheckFailed(f"the accuracy is {accuracy:.3f}, a mean of batch accuracies: count the correct "
                          f"predictions and divide by the number of samples ({right:.2f})")
    expect(abs(accuracy - right) < 1e-6, f"the accuracy is {accuracy}, not {right} (correct predictions / samples)")


def test_eval_changes_nothing(run_epoch):
    model, loader = epoch_data()
    model.train()  # run_epoch must switch to eval itself
    spy = Spy(model)
    weights = {name: p.detach().clone() for name, p in model.named_parameters()}
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    run_epoch(model, loader, nn.CrossEntropyLoss(), torch.device("cpu"))
    changed = [name for name, p in model.named_parameters() if not torch.equal(p.detach(), weights[name])]
    expect(not changed, f"the evaluation pass (optimizer=None) changed the model's weights ({changed[0] if changed else ''}): "
           "the optimizer steps in eval; without an optimizer, only measure")
    if spy.calls:
        expect(not any(training for training, _ in spy.calls),
               "without an optimizer the model ran in training mode: no model.eval()",
               hint="model.eval() switches batch norm and dropout to evaluation.")
        expect(not any(grad for _, grad in spy.calls),
               "the evaluation pass tracked gradients: gradients tracked in eval; wrap it in torch.no_grad()",
               hint="with torch.no_grad(): ... (or torch.set_grad_enabled(optimizer is not None))")
    moved = [name for name, b in model.named_buffers() if not torch.equal(b, buffers[name])]
    expect(not moved, "the evaluation pass changed the batch-norm statistics: no model.eval()")
    expect(all(p.grad is None or not p.grad.abs().sum() for p in model.parameters()),
           "the evaluation pass computed gradients (backward in eval): call backward only when training")


def _expected_training(model, loader, criterion, lr, zero_grad=True):
    model = copy.deepcopy(model).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    total = correct = seen = 0
    for images, labels in loader:
        if zero_grad:
            optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        correct += (outputs.argmax(dim=1) == labels).sum().item()
        seen += len(labels)
    return model.state_dict(), total / seen, correct / seen


def test_training_pass(run_epoch):
    model, loader = epoch_data()
    criterion = nn.CrossEntropyLoss()
    expected, expected_loss, expected_acc = _expected_training(model, loader, criterion, lr=0.5)
    accumulated, _, _ = _expected_training(model, loader, criterion, lr=0.5, zero_grad=False)
    model.eval()  # run_epoch must switch to training itself
    spy = Spy(model)
    result = run_epoch(model, loader, criterion, torch.device("cpu"), torch.optim.SGD(model.parameters(), lr=0.5))
    loss, accuracy = _floats(result, "run_epoch with an optimizer")
    if spy.calls:
        expect(all(training for training, _ in spy.calls),
               "with an optimizer the model ran in evaluation mode: call model.train() first")
    got = model.state_dict()

    def same(weights):
        return all(torch.allclose(got[k].float(), weights[k].float(), atol=1e-5) for k in weights)

    if not same(expected):
        if same(accumulated):
            raise CheckFailed("the gradients of one batch add up with those of the batches before: no zero_grad; "
                              "call optimizer.zero_grad() for each batch",
                              hint="optimizer.zero_grad() before loss.backward() in every batch.")
        raise CheckFailed("after a training pass the weights are not what zero_grad, forward, loss, backward, "
                          "step on each batch give")
    expect(abs(loss - expected_loss) < 1e-4, f"the training loss is {loss:.4f}, not the mean loss per sample "
           f"{expected_loss:.4f}", hint="Add loss.item() * inputs.size(0) per batch, divide by the number of samples.")
    expect(abs(accuracy - expected_acc) < 1e-6, f"the training accuracy is {accuracy}, not {expected_acc}")


# -- train_model ---------------------------------------------------------------------------

def _small_loaders(train=8, val=6, batch=4):
    generator = torch.Generator().manual_seed(2)
    make = lambda n: TensorDataset(torch.randn(n, 3, 8, 8, generator=generator),
                                   torch.randint(0, 2, (n,), generator=generator))
    return {"train": DataLoader(make(train), batch_size=batch), "val": DataLoader(make(val), batch_size=batch)}


def _train(train_model, *args, epochs):
    result = train_model(*args, num_epochs=epochs)
    expect(isinstance(result, tuple) and len(result) == 2,
           f"train_model returned {type(result).__name__}, not (model, history)")
    model, history = result
    expect(isinstance(model, nn.Module), f"train_model returned {type(model).__name__} as the model")
    expect(isinstance(history, dict), f"history is a {type(history).__name__}, not a dict of lists: "
           "history keys or lengths wrong", hint="history = {'train_loss': [], 'train_acc': [], 'val_loss': [], "
           "'val_acc': [], 'lr': []}, one value appended per epoch.")
    for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr"):
        expect(key in history, f"history has no {key!r} (it has {sorted(history)}): history keys or lengths wrong",
               hint="The keys are train_loss, train_acc, val_loss, val_acc and lr.")
        values = history[key]
        expect(hasattr(values, "__len__") and len(values) == epochs,
               f"history[{key!r}] holds {len(values) if hasattr(values, '__len__') else 'no list of'} values for "
               f"{epochs} epochs: history keys or lengths wrong; append one value per epoch")
    return model, history


def test_history_and_learning_rate(train_model):
    model = tiny_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    _, history = _train(train_model, model, nn.CrossEntropyLoss(), optimizer, scheduler, _small_loaders(), epochs=3)
    lrs = [float(v) for v in history["lr"]]
    final = optimizer.param_groups[0]["lr"]
    if abs(final - 0.1) < 1e-9:
        raise CheckFailed("the learning rate never changed: scheduler never stepped; call scheduler.step() "
                          "once per epoch", hint="scheduler.step() after each epoch's training pass.")
    if abs(final - 0.1 * 0.5 ** 6) < 1e-9:
        raise CheckFailed("the learning rate fell once per batch, not once per epoch: scheduler stepped per batch; "
                          "call scheduler.step() once per epoch, after the training pass")
    expect(abs(final - 0.1 * 0.5 ** 3) < 1e-9, f"after 3 epochs with StepLR(gamma=0.5) the lr is {final}, "
           "not 0.0125: call scheduler.step() once per epoch")
    if np.allclose(lrs, [0.05, 0.025, 0.0125]):
        raise CheckFailed(f"history['lr'] is {lrs}, the rates after each step: record the lr an epoch trains with, "
                          "before scheduler.step()")
    expect(np.allclose(lrs, [0.1, 0.05, 0.025]), f"history['lr'] is {lrs}, not [0.1, 0.05, 0.025] "
           "(the lr of each epoch's training pass)", hint="history['lr'].append(optimizer.param_groups[0]['lr'])")


def test_without_a_scheduler(train_model):
    model = tiny_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    _, history = _train(train_model, model, nn.CrossEntropyLoss(), optimizer, None, _small_loaders(), epochs=2)
    expect(np.allclose([float(v) for v in history["lr"]], [0.1, 0.1]),
           f"without a scheduler history['lr'] is {history['lr']}, not [0.1, 0.1]")


# Weights the "optimizer" below sets in each epoch: val accuracy 0.5, then 1.0, then 0.
SCRIPT = [(torch.tensor([[1.0, 0.0], [1.0, 0.0]]), torch.tensor([0.1, 0.0])),
          (torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0.0, 0.0])),
          (torch.tensor([[0.0, 1.0], [1.0, 0.0]]), torch.tensor([0.0, 0.0]))]


class ScriptedOptimizer(torch.optim.SGD):
    """An SGD whose step sets the weights of the epoch it is in (two batches per epoch), in place."""

    def __init__(self, model):
        super().__init__(model.parameters(), lr=0.1)
        self.model, self.steps = model, 0

    def step(self, closure=None):
        weight, bias = SCRIPT[min(self.steps // 2, len(SCRIPT) - 1)]
        with torch.no_grad():
            self.model.weight.copy_(weight)
            self.model.bias.copy_(bias)
        self.steps += 1


def _scripted_loaders():
    x = torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 2.0]])
    y = torch.tensor([0, 0, 1, 1])
    return {"train": DataLoader(TensorDataset(x, y), batch_size=2), "val": DataLoader(TensorDataset(x, y), batch_size=4)}


def test_keeps_the_best_weights(train_model):
    model = nn.Linear(2, 2)
    loads = []
    load = model.load_state_dict

    def noted_load(state_dict, *args, **kwargs):
        live = {t.data_ptr() for t in model.state_dict().values()}
        loads.append(any(torch.is_tensor(t) and t.data_ptr() in live for t in state_dict.values()))
        return load(state_dict, *args, **kwargs)

    model.load_state_dict = noted_load
    returned, history = _train(train_model, model, nn.CrossEntropyLoss(), ScriptedOptimizer(model), None,
                               _scripted_loaders(), epochs=3)
    accs = [round(float(v), 3) for v in history["val_acc"]]
    expect(accs == [0.5, 1.0, 0.0], f"history['val_acc'] is {accs}, not [0.5, 1.0, 0.0]: "
           "evaluate on loaders['val'] after each epoch's training pass")
    best, last = SCRIPT[1][0], SCRIPT[2][0]
    for which, net in (("the model it returns", returned), ("the model you passed", model)):
        weight = net.weight.detach()
        if torch.equal(weight, last):
            if any(loads):
                raise CheckFailed(f"{which} ends with the last epoch's weights: best weights kept by reference; "
                                  "state_dict() changes as the model trains, keep copy.deepcopy(model.state_dict())",
                                  hint="best_weights = copy.deepcopy(model.state_dict())")
            raise CheckFailed(f"{which} ends with the last epoch's weights, not the best epoch's: best weights "
                              "not restored; call model.load_state_dict(best_weights) before returning",
                              hint="Keep copy.deepcopy(model.state_dict()) when val accuracy improves, load it at the end.")
        expect(torch.equal(weight, best), f"{which} does not hold the weights of the epoch with the best val accuracy")


# -- predict_image --------------------------------------------------------------------------

SIZE = 16


def probe_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(3 * SIZE * SIZE, 2))
    with torch.no_grad():
        model[2].weight.mul_(20)
    return model


def photo(width=40, height=30):
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([x / width, y / height, (x * y) / (width * height)], axis=-1)
    return Image.fromarray((rgb * 255).astype(np.uint8))


def _expected(model, image, names=("cat", "dog")):
    return catdog_lib.predict_image(model, image, list(names), size=SIZE)


def _predict(predict_image, model, image, names=("cat", "dog")):
    result = predict_image(model, image, list(names), size=SIZE)
    if isinstance(result, (list, tuple)) or (isinstance(result, dict) and set(result) != set(names)):
        keys = list(result) if isinstance(result, dict) else type(result).__name__
        raise CheckFailed(f"predict_image returned {keys}: probabilities not keyed by class name; "
                          "return {'cat': p, 'dog': q}", hint="{name: float(p) for name, p in zip(class_names, probs)}")
    expect(isinstance(result, dict), f"predict_image returned {type(result).__name__}, not a dict")
    for value in result.values():
        if isinstance(value, torch.Tensor):
            raise CheckFailed("predict_image returned tensors as probabilities: return floats, float(p)")
    return result


def _close(got, expected):
    return all(abs(float(got[k]) - expected[k]) < 1e-4 for k in expected)


def test_probabilities(predict_image):
    model = probe_model()
    result = _predict(predict_image, model, photo())
    total = sum(float(v) for v in result.values())
    expect(abs(total - 1) < 1e-4 and all(0 <= float(v) <= 1 for v in result.values()),
           f"the values {result} do not sum to 1: no softmax; apply torch.softmax(outputs, dim=1)",
           hint="torch.softmax(model(batch), dim=1)[0] turns scores into probabilities.")
    expect(_close(result, _expected(model, photo())),
           f"predict_image gave {result}, not {_expected(model, photo())} for a photo")
    swapped = _predict(predict_image, model, photo(), names=("dog", "cat"))
    expect(_close(swapped, _expected(model, photo(), names=("dog", "cat"))),
           "with class_names ['dog', 'cat'] the probabilities are keyed wrongly: class_names[i] names output i")


def test_eval_mode_without_gradients(predict_image):
    model = probe_model().train()
    spy = Spy(model)
    result = _predict(predict_image, model, photo())
    if spy.calls:
        expect(not spy.calls[-1][0], "the model ran in training mode: no eval mode; call model.eval() first",
               hint="Dropout and batch norm behave differently in training mode; model.eval() switches them off.")
        expect(not spy.calls[-1][1], "predict_image tracked gradients: run the model inside torch.no_grad()")
    expect(_close(result, _expected(model, photo())), "the probabilities change from call to call: "
           "no eval mode; call model.eval() first")


def test_paths_and_bytes(predict_image, tmp_path):
    model = probe_model()
    expected = _expected(model, photo())
    path = tmp_path / "cat.1.png"
    photo().save(path)
    for what, image in (("a path (str)", str(path)), ("a Path", path), ("the bytes of a file", path.read_bytes())):
        try:
            result = _predict(predict_image, model, image)
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(f"predict_image failed on {what} ({type(error).__name__}: {error}): "
                              "accept a PIL image, a path or bytes",
                              hint="Image.open(io.BytesIO(data)) opens bytes; Image.open(path) a path.") from error
        expect(_close(result, expected), f"predict_image gave other probabilities for {what} than for the image")


def test_any_image_mode(predict_image):
    model = probe_model()
    for mode in ("RGBA", "L", "P", "CMYK"):
        image = photo().convert(mode)
        try:
            result = _predict(predict_image, model, image)
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(f"predict_image failed on a {mode} image ({type(error).__name__}: {error}): "
                              "RGBA or grayscale not converted; call .convert('RGB')") from error
        expect(_close(result, _expected(model, image)), f"a {mode} image gave other probabilities than the "
               "same image in RGB: RGBA or grayscale not converted; call .convert('RGB')")


def test_exif_orientation(predict_image):
    model = probe_model()
    sideways = photo()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to show upright
    buffer = io.BytesIO()
    sideways.save(buffer, format="JPEG", quality=95, exif=exif)
    data = buffer.getvalue()
    expected = _expected(model, data)
    result = _predict(predict_image, model, data)
    expect(_close(result, expected), "a phone photo stored sideways (EXIF orientation 6) gave the probabilities of "
           "the unturned photo: EXIF orientation ignored; apply ImageOps.exif_transpose(image)",
           hint="image = ImageOps.exif_transpose(image) turns the photo upright before anything else.")
