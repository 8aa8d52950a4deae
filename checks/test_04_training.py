"""Lesson 04: build_model, run_epoch, train_model, predict_image.

build_model is judged on real ResNet18s: with ``weights=None``, and with
``weights="DEFAULT"`` read from a stand-in weights file the plugin puts in
a temporary torch cache (nothing is downloaded). The training pieces are
judged on tiny networks and a few made-up tensors, where the check knows
what every step must give; train_model's best epoch is judged with a
scripted "optimizer" that sets the weights of each epoch itself. The device
checks put the model on a pretend GPU (``cuda:1``, see
``catdog_lib.course.pretend_gpu``), so that a piece that would crash on
Colab's GPU fails here too, on a machine without one.
"""
import copy
import weakref

import numpy as np
import torch
from PIL import Image, ImageOps
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision import models

import catdog_lib
from catdog_lib.course.error_hints import short_error
from catdog_lib.course.plugin import FAKE_WEIGHT, CheckFailed, expect, expect_signature
from catdog_lib.i18n import N_, tr
from catdog_lib.course.pretend_gpu import PretendGPU, mismatch_of

# -- build_model ------------------------------------------------------------------------

_built = weakref.WeakKeyDictionary()  # the piece -> {arguments: model}: build each ResNet once


def _model(build_model, **kwargs):
    cache = _built.setdefault(build_model, {})
    key = tuple(sorted(kwargs.items()))
    if key not in cache:
        call = f"build_model({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
        try:
            model = build_model(**kwargs)
        except ValueError as error:
            if "num_classes" not in str(error):
                raise
            raise CheckFailed(tr("{call} raised ValueError ({short_error}): the ImageNet weights come with "
                                 "their 1000-class fc; load them first, then replace model.fc",
                                 call=call, short_error=short_error(error, 90)),
                              hint=tr("models.resnet18(weights=weights), then model.fc = nn.Linear(512, num_classes).")) \
                from error
        expect(isinstance(model, nn.Module), tr("{call} returned {model_type}, not an nn.Module",
                                                call=call, model_type=type(model).__name__),
               hint=tr("Return the model alone: return model (not model and something else)."))
        fc = getattr(model, "fc", None)
        expect(isinstance(fc, nn.Linear), tr("the model of {call} has no fc layer that is an nn.Linear: "
               "start from models.resnet18 and replace model.fc", call=call),
               hint=tr("Keep the ResNet as it is and assign a new layer to it: model.fc = nn.Linear(...)."))
        cache[key] = model
    return cache[key]


def test_build_model_signature(build_model):
    expect_signature(build_model, "build_model")


def test_replaces_fc(build_model):
    model = _model(build_model, num_classes=2, weights=None)
    expect(model.fc.out_features != 1000, tr("build_model(num_classes=2, weights=None).fc still has ImageNet's 1000 "
           "outputs: fc not replaced"), hint=tr("model.fc = nn.Linear(model.fc.in_features, num_classes)"))
    if model.fc.weight.shape[0] != model.fc.out_features:
        raise CheckFailed(tr("model.fc says out_features={model_fc_out_features}, but its weights still have "
                             "{model_fc_weight_shape_0} rows: setting out_features does not change the layer; "
                             "make a new nn.Linear",
                             model_fc_out_features=model.fc.out_features,
                             model_fc_weight_shape_0=model.fc.weight.shape[0]), hint=tr("model.fc = nn.Linear(model.fc.in_features, num_classes)"))
    expect(model.fc.in_features == 512 and model.fc.out_features == 2,
           tr("model.fc is Linear({model_fc_in_features}, {model_fc_out_features}), not Linear(512, 2)",
              model_fc_in_features=model.fc.in_features, model_fc_out_features=model.fc.out_features),
           hint=tr("ResNet18's features have 512 numbers: nn.Linear(512, num_classes)."))
    expect(isinstance(getattr(model.fc, "bias", None), torch.Tensor),
           tr("model.fc has no bias, but the new nn.Linear(512, num_classes) has one: do not turn it off"),
           hint=tr("nn.Linear(512, num_classes) makes its bias itself: leave out bias=False, and do not set "
                   "model.fc.bias to None."))
    with torch.no_grad():
        out = model.eval()(torch.zeros(1, 3, 32, 32))
    expect(tuple(out.shape) == (1, 2), tr("the model gives {tuple} for one image, not (1, 2)", tuple=tuple(out.shape)),
           hint=tr("The model's last layer must be the new fc: model.fc = nn.Linear(512, num_classes)."))


def test_number_of_classes(build_model):
    model = _model(build_model, num_classes=5, weights=None)
    expect(model.fc.out_features == 5, tr("build_model(num_classes=5) has {model_fc_out_features} outputs: "
           "wrong number of outputs; use num_classes", model_fc_out_features=model.fc.out_features), hint=tr("nn.Linear(512, num_classes), not nn.Linear(512, 2)."))


def test_is_a_resnet18(build_model):
    model = _model(build_model, num_classes=2, weights=None)
    with torch.device("meta"):
        reference = models.resnet18()
    expected = {k: tuple(v.shape) for k, v in reference.state_dict().items() if not k.startswith("fc.")}
    got = {k: tuple(v.shape) for k, v in model.state_dict().items() if not k.startswith("fc.")}
    other = sorted(set(expected) ^ set(got)) or [k for k in expected if expected[k] != got[k]]
    if not other:
        layers = {name: type(m).__name__ for name, m in reference.named_modules() if name and not name.startswith("fc")}
        mine = {name: type(m).__name__ for name, m in model.named_modules()}
        other = [f"{name} ({mine.get(name, 'missing')})" for name, kind in layers.items() if mine.get(name) != kind]
    expect(not other, tr("build_model(weights=None) is not torchvision's resnet18: its layers differ from "
           "models.resnet18()'s at {first}: use models.resnet18 as it is, apart from fc",
           first=other[0] if other else ''),
           hint=tr("Change nothing but fc: the ImageNet weights fit only the layers they were learned with."))


def test_loads_the_imagenet_weights(build_model):
    model = _model(build_model, num_classes=2, weights="DEFAULT")
    inner = model.layer4[1].conv2.weight
    expect(bool((inner == FAKE_WEIGHT).all()), tr("with weights='DEFAULT' the model does not hold the ImageNet weights "
           "(the check's stand-in file): pass weights to models.resnet18(weights=weights)"),
           hint=tr("models.resnet18(weights=weights) loads them; models.resnet18() alone starts from random numbers."))
    expect(not bool((model.fc.weight == FAKE_WEIGHT).all()), tr("with weights='DEFAULT', fc holds ImageNet's weights: "
           "make a new nn.Linear"), hint=tr("model.fc = nn.Linear(512, num_classes) makes a new, untrained layer."))
    random_start = _model(build_model, num_classes=2, weights=None)
    expect(not bool((random_start.layer4[1].conv2.weight == FAKE_WEIGHT).all()),
           tr("with weights=None the model still holds the ImageNet weights: weights=None means a random start"),
           hint=tr("Pass the argument on, models.resnet18(weights=weights), not weights='DEFAULT'."))


def test_freeze_backbone(build_model):
    model = _model(build_model, num_classes=2, weights=None, freeze_backbone=True)
    fc = {id(p) for p in model.fc.parameters()}
    backbone = [(name, p) for name, p in model.named_parameters() if id(p) not in fc]
    expect(all(p.requires_grad for p in model.fc.parameters()),
           tr("with freeze_backbone=True, fc cannot learn either: freezing also freezes fc; "
              "freeze first, then make the new fc"), hint=tr("Set requires_grad = False before you replace model.fc."))
    learning = [name for name, p in backbone if p.requires_grad]
    if learning and len(learning) < len(backbone):
        raise CheckFailed(tr("with freeze_backbone=True, {n_learning} of the backbone's {n_backbone} parameters "
                             "still learn (e.g. {learning_0}): freeze every parameter but fc's",
                             n_learning=len(learning), n_backbone=len(backbone), learning_0=learning[0]),
                          hint=tr("for param in model.parameters(): param.requires_grad = False, before the new fc: "
                                  "batch-norm weights are parameters too."))
    expect(not learning, tr("with freeze_backbone=True the backbone still learns: freeze_backbone ignored"),
           hint=tr("for param in model.parameters(): param.requires_grad = False"))
    free = _model(build_model, num_classes=2, weights=None)
    expect(all(p.requires_grad for p in free.parameters()),
           tr("with freeze_backbone=False some parameters are frozen: freeze only when asked"),
           hint=tr("Freeze inside if freeze_backbone: ..."))


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


def _numbers(result, what):
    """(loss, accuracy) as floats; test_returns_floats is the check that they are floats already."""
    expect(isinstance(result, (tuple, list)) and len(result) == 2, tr("{what} returned {result_type}, "
           "not (loss, accuracy)", what=what, result_type=type(result).__name__), hint=tr("return total_loss / seen, correct / seen: two numbers."))
    try:
        return tuple(float(value) for value in result)
    except (TypeError, ValueError, RuntimeError) as error:
        raise CheckFailed(tr("{what} returned ({result_0_type}, {result_1_type}), which are not "
                             "numbers",
                             what=what, result_0_type=type(result[0]).__name__,
                             result_1_type=type(result[1]).__name__), hint=tr("Return two numbers: the mean loss and the accuracy.")) from error


def _measure(model, loader, criterion):
    """Per batch: (mean loss, size, correct)."""
    batches = []
    with torch.no_grad():
        for images, labels in loader:
            outputs = model(images)
            batches.append((criterion(outputs, labels).item(), len(labels),
                            (outputs.argmax(dim=1) == labels).sum().item()))
    return batches


def test_run_epoch_signature(run_epoch):
    expect_signature(run_epoch, "run_epoch")


def test_returns_floats(run_epoch):
    for optimizer in (False, True):
        model, loader = epoch_data()
        what = tr("run_epoch with an optimizer") if optimizer else tr("run_epoch without an optimizer")
        args = (torch.optim.SGD(model.parameters(), lr=0.1),) if optimizer else ()
        result = run_epoch(model, loader, nn.CrossEntropyLoss(), torch.device("cpu"), *args)
        expect(isinstance(result, tuple) and len(result) == 2, tr("{what} returned {result_type}, "
               "not a pair (loss, accuracy)", what=what, result_type=type(result).__name__), hint=tr("return total_loss / seen, correct / seen"))
        for name, value in zip((tr("loss"), tr("accuracy")), result):
            if isinstance(value, torch.Tensor):
                raise CheckFailed(tr("{what} returned a tensor for the {name}: tensors returned instead of floats; "
                                     "return Python floats", what=what, name=name), hint=tr("loss.item() is a float; so is correct / seen with "
                                  "correct counted by .sum().item()."))
            expect(isinstance(value, float), tr("{what} returned {value_type} for the {name}, not a float",
                                                what=what, value_type=type(value).__name__, name=name),
                   hint=tr("Divide at the end: total / seen is a float even when both are ints."))


def test_eval_loss_and_accuracy(run_epoch):
    model, loader = epoch_data()
    criterion = nn.CrossEntropyLoss(label_smoothing=0.2)  # another loss than a plain CrossEntropyLoss
    batches = _measure(copy.deepcopy(model).eval(), loader, criterion)
    plain = _measure(copy.deepcopy(model).eval(), loader, nn.CrossEntropyLoss())
    result = run_epoch(model, loader, criterion, torch.device("cpu"))
    loss, accuracy = _numbers(result, "run_epoch")
    n = sum(size for _, size, _ in batches)
    per_sample = sum(l * size for l, size, _ in batches) / n
    per_batch = sum(l for l, _, _ in batches) / len(batches)
    right = sum(c for _, _, c in batches) / n
    setting = tr("on the check's 10 images (batches of 4, 4 and 2, 8 of them right)")
    if abs(loss - right) < 1e-6 and abs(accuracy - per_sample) < 1e-4:
        raise CheckFailed(tr("{setting} run_epoch returned ({loss:.4f}, {accuracy:.4f}), the accuracy first: return "
                             "(loss, accuracy)", setting=setting, loss=loss, accuracy=accuracy), hint=tr("return mean_loss, accuracy, in that order."))
    if abs(loss - sum(l * s for l, s, _ in plain) / n) < 1e-4 and abs(loss - per_sample) > 1e-4:
        raise CheckFailed(tr("{setting}, with criterion=nn.CrossEntropyLoss(label_smoothing=0.2), the loss is "
                             "{loss:.4f}, what a plain nn.CrossEntropyLoss() gives, not {per_sample:.4f}: it ignores "
                             "criterion", setting=setting, loss=loss, per_sample=per_sample), hint=tr("Compute the loss with the criterion passed in: loss = criterion(outputs, "
                          "labels)."))
    if abs(loss - per_batch) < 1e-4 and abs(loss - per_sample) > 1e-4:
        raise CheckFailed(tr("{setting} the loss is {loss:.4f}, the mean of the batch means: loss averaged per batch "
                             "instead of per sample (it should be {per_sample:.4f}); a short last batch must weigh by "
                             "its size", setting=setting, loss=loss, per_sample=per_sample), hint=tr("Add loss.item() * inputs.size(0) per batch and divide by the number of "
                          "samples."))
    if abs(loss - batches[0][0]) < 1e-4 and abs(loss - per_sample) > 1e-4:
        raise CheckFailed(tr("{setting} the loss is {loss:.4f}, that of the first batch only: the return is inside the "
                             "loop over the batches", setting=setting, loss=loss), hint=tr("Indent the return to the level of the for, so it runs after "
                          "the last batch."))
    if abs(loss - per_sample * n) < 1e-3:
        raise CheckFailed(tr("{setting} the loss is {loss:.4f}, the sum over all images, not the mean "
                             "{per_sample:.4f}: divide by the number of images",
                             setting=setting, loss=loss, per_sample=per_sample), hint=tr("return total_loss / seen, with "
                          "seen the number of images."))
    wrong_n = len(batches) * batches[0][1]
    if abs(loss - per_sample * n / wrong_n) < 1e-4:
        raise CheckFailed(tr("{setting} the loss is {loss:.4f}: divided by {wrong_n} (batches times batch size), "
                             "not by the {n} images there are, so the short last batch counts as full",
                             setting=setting, loss=loss, wrong_n=wrong_n, n=n),
                          hint=tr("Count the images as you go, seen += inputs.size(0), and divide by seen."))
    expect(abs(loss - per_sample) < 1e-4, tr("{setting} the evaluation loss is {loss:.4f}, not the mean loss per "
           "sample {per_sample:.4f}", setting=setting, loss=loss, per_sample=per_sample), hint=tr("Add loss.item() * inputs.size(0) per batch, divide by the number of "
           "samples at the end."))
    last = batches[-1][2] / batches[-1][1]
    if abs(accuracy - last) < 1e-6 and abs(accuracy - right) > 1e-6:
        raise CheckFailed(tr("{setting} the accuracy is {accuracy:.2f}, that of the last batch only (over all images "
                             "it is {right:.2f}): count correct predictions over every batch",
                             setting=setting, accuracy=accuracy, right=right),
                          hint=tr("correct += (outputs.argmax(1) == labels).sum().item(), with +=, in every batch."))
    if abs(accuracy - sum(c / s for _, s, c in batches) / len(batches)) < 1e-6 and abs(accuracy - right) > 1e-6:
        raise CheckFailed(tr("{setting} the accuracy is {accuracy:.3f}, a mean of batch accuracies: count the correct "
                             "predictions and divide by the number of samples ({right:.2f})",
                             setting=setting, accuracy=accuracy, right=right),
                          hint=tr("A short last batch weighs less: add up correct predictions, divide once at the end."))
    if abs(accuracy - 100 * right) < 1e-4:
        raise CheckFailed(tr("{setting} the accuracy is {accuracy:g}, a percentage: return a fraction, {right}",
                             setting=setting, accuracy=accuracy, right=right),
                          hint=tr("correct / seen is between 0 and 1; leave the * 100 to whoever prints it."))
    expect(abs(accuracy - right) < 1e-6, tr("{setting} the accuracy is {accuracy}, not {right} "
           "(correct predictions / samples)", setting=setting, accuracy=accuracy, right=right), hint=tr("correct += (outputs.argmax(1) == labels).sum().item(); "
           "return correct / seen."))


def test_eval_changes_nothing(run_epoch):
    model, loader = epoch_data()
    model.train()  # run_epoch must switch to eval itself
    spy = Spy(model)
    weights = {name: p.detach().clone() for name, p in model.named_parameters()}
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    run_epoch(model, loader, nn.CrossEntropyLoss(), torch.device("cpu"))
    changed = [name for name, p in model.named_parameters() if not torch.equal(p.detach(), weights[name])]
    expect(not changed, tr("the evaluation pass (optimizer=None) changed the model's weights ({first}): "
           "the optimizer steps in eval; without an optimizer, only measure", first=changed[0] if changed else ''),
           hint=tr("Step only when an optimizer was passed: if optimizer is not None: ... optimizer.step()."))
    if spy.calls:
        expect(not any(training for training, _ in spy.calls),
               tr("handed a model in training mode and no optimizer, run_epoch ran it in training mode: no model.eval()"),
               hint=tr("model.eval() switches batch norm and dropout to evaluation."))
        expect(not any(grad for _, grad in spy.calls),
               tr("the evaluation pass tracked gradients: gradients tracked in eval; wrap it in torch.no_grad()"),
               hint=tr("with torch.no_grad(): ... (or torch.set_grad_enabled(optimizer is not None))"))
    moved = [name for name, b in model.named_buffers() if not torch.equal(b, buffers[name])]
    expect(not moved, tr("the evaluation pass changed the batch-norm statistics: no model.eval()"),
           hint=tr("model.eval() before the loop keeps batch norm's running statistics as they are."))
    expect(all(p.grad is None or not p.grad.abs().sum() for p in model.parameters()),
           tr("the evaluation pass computed gradients (backward in eval): call backward only when training"),
           hint=tr("if optimizer is not None: loss.backward(); optimizer.step()"))


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


class EventSGD(torch.optim.SGD):
    """An SGD that notes its steps and zero_grads in ``events``."""

    def __init__(self, params, lr, events):
        super().__init__(params, lr=lr)
        self.events = events

    def step(self, closure=None):
        self.events.append("step")
        return super().step(closure)

    def zero_grad(self, set_to_none=True):
        self.events.append("zero_grad")
        return super().zero_grad(set_to_none)


def _order_mistake(events):
    """What the order of forward, backward, step and zero_grad in each batch says is wrong, or None."""
    batches, current = [], None
    for event in events:
        if event == "forward":
            current = []
            batches.append(current)
        elif current is not None:
            current.append(event)
    for batch in batches:
        if "step" not in batch:
            return (tr("a training pass never called optimizer.step() after a batch's backward"),
                    tr("For each batch: optimizer.zero_grad(), forward, loss, loss.backward(), optimizer.step()."))
        if "backward" in batch and batch.index("step") < batch.index("backward"):
            return (tr("in each training batch optimizer.step() comes before loss.backward(): the step uses "
                       "the gradients of no batch (or of the one before)"),
                    tr("For each batch: zero_grad(), forward, loss, loss.backward(), then optimizer.step()."))
        if "backward" in batch and "zero_grad" in batch[batch.index("backward"):batch.index("step")]:
            return (tr("after a training pass the weights have not changed: zero_grad comes between loss.backward() "
                       "and optimizer.step(), so each step has no gradients to follow"),
                    tr("Clear the gradients before the backward pass, not between it and the step."))
    return None


def test_training_pass(run_epoch):
    model, loader = epoch_data()
    criterion = nn.CrossEntropyLoss()
    expected, expected_loss, expected_acc = _expected_training(model, loader, criterion, lr=0.5)
    accumulated, _, _ = _expected_training(model, loader, criterion, lr=0.5, zero_grad=False)
    model.eval()  # run_epoch must switch to training itself
    spy = Spy(model)
    events = []
    model.register_forward_hook(lambda module, args, out: events.append("forward"))
    model[-1].weight.register_hook(lambda grad: events.append("backward"))
    optimizer = EventSGD(model.parameters(), lr=0.5, events=events)
    result = run_epoch(model, loader, criterion, torch.device("cpu"), optimizer)
    loss, accuracy = _numbers(result, tr("run_epoch with an optimizer"))
    if spy.calls:
        expect(all(training for training, _ in spy.calls),
               tr("handed a model in eval mode and an optimizer, run_epoch trained it in evaluation mode: call "
                  "model.train() first"), hint=tr("model.train() at the start of a training pass: the model may come "
               "from an evaluation pass."))
    got = model.state_dict()

    def same(weights):
        return all(torch.allclose(got[k].float(), weights[k].float(), atol=1e-5) for k in weights)

    if not same(expected):
        if same(accumulated):
            raise CheckFailed(tr("the gradients of one batch add up with those of the batches before: no zero_grad; "
                                 "call optimizer.zero_grad() for each batch"),
                              hint=tr("optimizer.zero_grad() before loss.backward() in every batch."))
        mistake = _order_mistake(events)
        if mistake:
            raise CheckFailed(*mistake)
        raise CheckFailed(tr("after a training pass with SGD(lr=0.5) over 10 images the weights are not what zero_grad, "
                             "forward, loss, backward, step on each batch give"), hint=tr("For each batch: "
                          "optimizer.zero_grad(), outputs = model(inputs), loss = criterion(outputs, labels), "
                          "loss.backward(), optimizer.step()."))
    expect(abs(loss - expected_loss) < 1e-4, tr("the training loss is {loss:.4f}, not the mean loss per sample "
           "{expected_loss:.4f}", loss=loss, expected_loss=expected_loss), hint=tr("Add loss.item() * inputs.size(0) per batch, divide by the number of samples."))
    expect(abs(accuracy - expected_acc) < 1e-6, tr("the training accuracy is {accuracy}, not {expected_acc}",
                                                   accuracy=accuracy, expected_acc=expected_acc),
           hint=tr("Count the correct predictions of the outputs each batch's forward pass gave."))


def _scored(scores, labels):
    """A model that hands on its input as the class scores, and a loader of ``scores`` with ``labels``."""
    n = len(scores[0])
    model = nn.Linear(n, n)
    with torch.no_grad():
        model.weight.copy_(torch.eye(n))
        model.bias.zero_()
    return model, DataLoader(TensorDataset(torch.tensor(scores), torch.tensor(labels)), batch_size=2)


# Scores the check chose: the class with the highest score is right for 4 of the 5 (the last is wrong);
# a score compared with 0 (or its sigmoid with 0.5) picks the right class for only 2 of them.
TWO_CLASSES = ([[-3.0, -1.0], [3.0, 1.0], [-1.0, -3.0], [1.0, 3.0], [2.0, -1.0]], [1, 0, 0, 1, 1], 0.8)
# Three classes: the highest score is right for all 3; comparing two of the scores is not.
THREE_CLASSES = ([[0.0, 1.0, 5.0], [5.0, 1.0, 0.0], [0.0, 5.0, 1.0]], [2, 0, 1], 1.0)


def test_accuracy_takes_the_top_score(run_epoch):
    for scores, labels, right in (TWO_CLASSES, THREE_CLASSES):
        model, loader = _scored(scores, labels)
        loss, accuracy = _numbers(run_epoch(model, loader, nn.CrossEntropyLoss(), torch.device("cpu")), "run_epoch")
        batches = [c / s for _, s, c in _measure(model, loader, nn.CrossEntropyLoss())]
        if accuracy > 1 or abs(loss - right) < 1e-6 or any(abs(accuracy - a) < 1e-6 for a in
                                                               (*batches, sum(batches) / len(batches))):
            continue  # a percentage, (accuracy, loss), one batch's accuracy: test_eval_loss_and_accuracy says so
        expect(abs(accuracy - right) < 1e-6,
               tr("on {n} images whose {k} class scores the check chose, run_epoch's accuracy is {accuracy:.2f}, "
                  "not {right:.2f}: the predicted class is the one with the highest score, not a score compared "
                  "with a threshold or with one other score", n=len(labels), k=len(scores[0]),
                  accuracy=accuracy, right=right),
               hint=tr("outputs.argmax(dim=1) is the predicted class of each image, whatever the number of classes."))


def _steps(model, loader, criterion, lr, stale, zero_first=True):
    """The state after a training pass of SGD(lr) from the gradients ``stale``, zeroing before each backward
    (``zero_first``) or after each step."""
    model = copy.deepcopy(model).train()
    for name, p in model.named_parameters():
        p.grad = stale[name].clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for images, labels in loader:
        if zero_first:
            optimizer.zero_grad()
        criterion(model(images), labels).backward()
        optimizer.step()
        if not zero_first:
            optimizer.zero_grad()
    return model.state_dict()


def test_zeroes_the_gradients_before_backward(run_epoch):
    model, loader = epoch_data()
    criterion = nn.CrossEntropyLoss()
    stale = {name: torch.full_like(p, 0.5) for name, p in model.named_parameters()}
    after_step = _steps(model, loader, criterion, 0.5, stale, zero_first=False)
    for name, p in model.named_parameters():
        p.grad = stale[name].clone()  # what an earlier backward (a check, a plot, another pass) left behind
    run_epoch(model, loader, criterion, torch.device("cpu"), torch.optim.SGD(model.parameters(), lr=0.5))
    got = model.state_dict()
    expect(not all(torch.allclose(got[k].float(), after_step[k].float(), atol=1e-5) for k in after_step),
           tr("handed a model that still held gradients from before, run_epoch's first step followed them: it zeroes "
              "the gradients after optimizer.step(), not before each backward"),
           hint=tr("optimizer.zero_grad() first in each batch, then forward, loss, loss.backward(), optimizer.step()."))


def test_divides_by_the_images_seen(run_epoch):
    model, full = epoch_data()
    loader = DataLoader(full.dataset, batch_size=4, drop_last=True)  # 8 of the dataset's 10 images
    criterion = nn.CrossEntropyLoss()
    batches = _measure(copy.deepcopy(model).eval(), loader, criterion)
    _, trained_loss, trained_acc = _expected_training(model, loader, criterion, lr=0.5)
    loss, accuracy = _numbers(run_epoch(copy.deepcopy(model), loader, criterion, torch.device("cpu")), "run_epoch")
    eval_loss, eval_acc = sum(l * s for l, s, _ in batches) / 8, sum(c for _, _, c in batches) / 8
    model = copy.deepcopy(model)
    results = [(loss, accuracy, eval_loss, eval_acc),
               (*_numbers(run_epoch(model, loader, criterion, torch.device("cpu"),
                                    torch.optim.SGD(model.parameters(), lr=0.5)), "run_epoch"),
                trained_loss, trained_acc)]
    for got_loss, got_acc, right_loss, right_acc in results:
        expect(abs(got_loss - right_loss * 0.8) > 1e-5 or abs(right_loss) < 1e-9,
               tr("on a loader that yields 8 of its dataset's 10 images (drop_last=True), run_epoch's loss is "
                  "{loss:.4f}, not {right:.4f}: it divides by len(loader.dataset), not by the images it went over",
                  loss=got_loss, right=right_loss),
               hint=tr("Count the images as you go, seen += inputs.size(0), and divide by seen: a loader may "
                       "leave some of its dataset out."))
        expect(abs(got_acc - right_acc * 0.8) > 1e-6 or abs(right_acc) < 1e-9,
               tr("on a loader that yields 8 of its dataset's 10 images (drop_last=True), run_epoch's accuracy is "
                  "{accuracy:.3f}, not {right:.3f}: it divides by len(loader.dataset), not by the images it went over",
                  accuracy=got_acc, right=right_acc),
               hint=tr("Count the images as you go, seen += inputs.size(0), and divide by seen: a loader may "
                       "leave some of its dataset out."))


def _refusal_kind(error):
    """How a pretend GPU's refusal (``error``) came about: "dropped" (a .to() result thrown away), "writes" (a GPU
    result written into a CPU tensor), "cuda0" (the wrong GPU) or "stayed" (a tensor left on the CPU)."""
    found = mismatch_of(error)
    cpu = [t for t in found.tensors if t[2].type == "cpu"]
    if any(t[3] for t in found.tensors):
        return "dropped"
    if "(it writes into" in str(error) and cpu and cpu[0][0] == ():
        return "writes"
    if any(d.type == "cuda" and d.index == 0 for d in found.devices):
        return "cuda0"
    return "stayed"


def _device_failure(error, piece, what):
    """(message, hint) for a pretend GPU's refusal (``error``) of ``piece``'s code, doing ``what``."""
    found = mismatch_of(error)
    dropped = [t for t in found.tensors if t[3]]
    cpu = [t for t in found.tensors if t[2].type == "cpu"]
    kind = _refusal_kind(error)
    if kind == "dropped":
        return (tr("{what}, {piece} called .to(device) on a tensor of shape {shape} but went on with the "
                   "tensor that stayed on the CPU: Tensor.to returns a moved copy",
                   what=what, piece=piece, shape=dropped[0][0]),
                tr("Keep what .to returns: inputs = inputs.to(device), labels = labels.to(device)."))
    if kind == "writes":
        return (tr("{what}, {piece} adds numbers from the GPU into a tensor made on the CPU (in {operation}): "
                   "a CPU tensor cannot hold a GPU result", what=what, piece=piece, operation=found.operation),
                tr("Make such tensors on the device, torch.zeros((), device=device), or add plain numbers, "
                   "loss.item() and (...).sum().item()."))
    if kind == "cuda0":
        return (tr("{what}, {piece} put tensors on cuda:0 while the model is on cuda:1: .cuda() or 'cuda' ignores "
                   "the device it was given", what=what, piece=piece),
                tr("Move to the device you were given: x.to(device), never x.cuda()."))
    shapes = [t[0] for t in cpu]
    shape = shapes[0] if shapes else "?"
    if shapes and len(shapes[0]) == 1:
        message = tr("{what}, the labels stayed on the CPU (shape {shape}) and met the GPU in {operation}: on a GPU "
                     "this raises 'Expected all tensors to be on the same device'",
                     what=what, shape=shape, operation=found.operation)
    elif shapes and len(shapes[0]) > 1:
        message = tr("{what}, the images stayed on the CPU (shape {shape}) and met the GPU in {operation}: on a GPU "
                     "this raises 'Expected all tensors to be on the same device'",
                     what=what, shape=shape, operation=found.operation)
    else:
        message = tr("{what}, a tensor stayed on the CPU (shape {shape}) and met the GPU in {operation}: on a GPU "
                     "this raises 'Expected all tensors to be on the same device'",
                     what=what, shape=shape, operation=found.operation)
    return message, tr("Move each batch where the model is: inputs, labels = inputs.to(device), labels.to(device).")


def _fail_on_a_refusal(error, piece, where, stayed):
    """In an ``except`` block: fail with the verdict on a pretend GPU's refusal (``error``) of a whole call of
    ``piece`` in the setting ``where`` (``stayed(operation)`` gives (message, hint) where a tensor stayed
    on the CPU); any other error is raised again."""
    if not mismatch_of(error):
        raise error
    message, hint = _device_failure(error, piece, where)
    if _refusal_kind(error) in ("dropped", "stayed"):
        message, hint = stayed(mismatch_of(error).operation)
    raise CheckFailed(message, hint) from error


def test_moves_batches_to_device(run_epoch):
    for optimizer in (True, False):
        model, loader = epoch_data()
        what = (tr("with the model on a pretend GPU (cuda:1) and device=cuda:1, a training pass") if optimizer
                else tr("with the model on a pretend GPU (cuda:1) and device=cuda:1, an evaluation pass"))
        with PretendGPU("cuda:1") as gpu:
            gpu.put(model)
            args = (torch.optim.SGD(model.parameters(), lr=0.1),) if optimizer else ()
            try:
                run_epoch(model, loader, nn.CrossEntropyLoss(), gpu.device, *args)
            except RuntimeError as error:
                if not mismatch_of(error):
                    raise
                message, hint = _device_failure(error, "run_epoch", what)
                raise CheckFailed(message, hint) from error
            except TypeError as error:
                if "numpy" not in str(error):
                    raise
                raise CheckFailed(tr("{what} called .numpy() on a GPU tensor ({short_error})",
                                     what=what, short_error=short_error(error)),
                                  hint=tr("Use .item() for one number, or .cpu() before .numpy().")) from error
            moved = [target for shape, _, target in gpu.moves if len(shape) == 4]
            expect(moved and all(target == gpu.device for target in moved),
                   tr("{what} moved the images to {targets}, not to cuda:1", what=what,
                      targets=sorted(set(map(str, moved)))) if moved else
                   tr("{what} moved the images to nowhere, not to cuda:1", what=what),
                   hint=tr("inputs = inputs.to(device) for every batch, with the device passed in."))
            expect(gpu.on_gpu(model), tr("{what} moved the model off its GPU: run_epoch moves the batches, "
                   "not the model", what=what), hint=tr("Leave the model where it is; move only inputs and labels."))


# -- train_model ---------------------------------------------------------------------------

def _small_loaders(train=8, val=6, batch=4):
    generator = torch.Generator().manual_seed(2)
    make = lambda n: TensorDataset(torch.randn(n, 3, 8, 8, generator=generator),
                                   torch.randint(0, 2, (n,), generator=generator))
    return {"train": DataLoader(make(train), batch_size=batch), "val": DataLoader(make(val), batch_size=batch)}


def _train(train_model, *args, epochs, **kwargs):
    result = train_model(*args, num_epochs=epochs, **kwargs)
    expect(isinstance(result, tuple) and len(result) == 2,
           tr("train_model returned {result_type}, not (model, history)", result_type=type(result).__name__),
           hint=tr("return model, history: the model with its best weights, and the dict of lists."))
    model, history = result
    expect(isinstance(model, nn.Module), tr("train_model returned {model_type} as the model",
                                            model_type=type(model).__name__),
           hint=tr("return model, history, in that order."))
    return model, history


def _history(history, epochs):
    expect(isinstance(history, dict), tr("history is a {history_type}, not a dict of lists: "
           "history keys or lengths wrong", history_type=type(history).__name__), hint=tr("history = {{'train_loss': [], 'train_acc': [], 'val_loss': [], "
           "'val_acc': [], 'lr': []}}, one value appended per epoch."))
    for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr"):
        expect(key in history, tr("history has no {key!r} (it has {sorted}): history keys or lengths wrong",
                                  key=key, sorted=sorted(history)),
               hint=tr("The keys are train_loss, train_acc, val_loss, val_acc and lr."))
        values = history[key]
        expect(hasattr(values, "__len__") and len(values) == epochs,
               tr("after {epochs} epochs history[{key!r}] holds {count} values: history keys or lengths wrong; "
                  "append one value per epoch", epochs=epochs, key=key, count=len(values))
               if hasattr(values, "__len__") else
               tr("after {epochs} epochs history[{key!r}] holds no list of values: history keys or lengths wrong; "
                  "append one value per epoch", epochs=epochs, key=key),
               hint=tr("Append once per epoch, after its two passes."))
    return {key: [_number(v) for v in history[key]] for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}


def _number(value):
    """A float from a number, a one-number tensor, or a list of one (scheduler.get_last_lr() gives a list)."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return float(value)


class NotingSGD(torch.optim.SGD):
    """An SGD that notes the learning rate of each step."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.used = []

    def step(self, closure=None):
        self.used.append(self.param_groups[0]["lr"])
        return super().step(closure)


def test_train_model_signature(train_model):
    expect_signature(train_model, "train_model")


def test_history_and_learning_rate(train_model):
    model = tiny_model()
    optimizer = NotingSGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    _, history = _train(train_model, model, nn.CrossEntropyLoss(), optimizer, scheduler, _small_loaders(), epochs=3)
    history = _history(history, 3)
    lrs = history["lr"]
    final = optimizer.param_groups[0]["lr"]
    setting = "with SGD(lr=0.1), StepLR(step_size=1, gamma=0.5) and 3 epochs of 2 batches"
    if abs(final - 0.1) < 1e-9:
        raise CheckFailed(tr("{setting} the learning rate never changed: scheduler never stepped; call scheduler.step() "
                             "once per epoch", setting=setting), hint=tr("scheduler.step() after each epoch's training pass."))
    if abs(final - 0.1 * 0.5 ** 6) < 1e-9:
        raise CheckFailed(tr("{setting} the learning rate fell once per batch, not once per epoch: scheduler stepped "
                             "per batch; call scheduler.step() once per epoch, after the training pass",
                             setting=setting),
                          hint=tr("Move scheduler.step() out of the loop over batches, to the epoch loop."))
    expect(abs(final - 0.1 * 0.5 ** 3) < 1e-9, tr("{setting} the lr ends at {final}, not 0.0125: call "
           "scheduler.step() once per epoch", setting=setting, final=final), hint=tr("One scheduler.step() per epoch, after the training pass."))
    used = [optimizer.used[i] for i in range(0, len(optimizer.used), 2)]
    if used and abs(used[0] - 0.05) < 1e-9:
        raise CheckFailed(tr("{setting} the first epoch's training pass ran with lr {used_0}, not 0.1: "
                             "scheduler.step() was called before the training pass; call it after",
                             setting=setting, used_0=used[0]),
                          hint=tr("Each epoch: train, then scheduler.step(), then evaluate."))
    if np.allclose(lrs, [0.05, 0.025, 0.0125]):
        raise CheckFailed(tr("{setting} history['lr'] is {lrs}, the rates after each step: record the lr an epoch "
                             "trains with, before scheduler.step()", setting=setting, lrs=lrs),
                          hint=tr("history['lr'].append(optimizer.param_groups[0]['lr']) before the training pass."))
    expect(np.allclose(lrs, [0.1, 0.05, 0.025]), tr("{setting} history['lr'] is {lrs}, not [0.1, 0.05, 0.025] "
           "(the lr of each epoch's training pass)", setting=setting, lrs=lrs), hint=tr("history['lr'].append(optimizer.param_groups[0]['lr'])"))


def test_without_a_scheduler(train_model):
    model = tiny_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    try:
        _, history = _train(train_model, model, nn.CrossEntropyLoss(), optimizer, None, _small_loaders(), epochs=2)
    except AttributeError as error:
        if "NoneType" not in str(error):
            raise
        raise CheckFailed(tr("train_model(..., scheduler=None) raised AttributeError ({short_error}): it calls "
                             "scheduler.step() when there is no scheduler", short_error=short_error(error)),
                          hint=tr("if scheduler is not None: scheduler.step()")) from error
    others = ("train_loss", "train_acc", "val_loss", "val_acc")
    if isinstance(history, dict) and all(hasattr(history.get(key), "__len__") and len(history[key]) == 2
                                         for key in others):
        lrs = list(history.get("lr", []) or [])
        if len(lrs) not in (0, 2):
            lrs = [0.1, 0.1]  # one value too many or too few: test_history_and_learning_rate says so
        expect(len(lrs) == 2 and all(isinstance(v, (int, float, torch.Tensor, list, tuple)) for v in lrs),
               tr("without a scheduler, after 2 epochs history['lr'] is {lrs}: it must hold the learning rate of "
                  "each epoch, scheduler or not", lrs=lrs),
               hint=tr("Read the rate from the optimizer, history['lr'].append(optimizer.param_groups[0]['lr']), "
                       "whether or not there is a scheduler."))
    lrs = [_number(v) for v in history.get("lr", [])] if isinstance(history, dict) else []
    expect(np.allclose(lrs, [0.1, 0.1]) if len(lrs) == 2 else True,
           tr("without a scheduler and with SGD(lr=0.1), history['lr'] is {lrs}, not [0.1, 0.1]", lrs=lrs),
           hint=tr("Record optimizer.param_groups[0]['lr'] each epoch; without a scheduler it stays as it is."))


# train_model's best epoch, on a scripted run. The model is nn.Linear(2, 2) without bias; its "optimizer"
# sets, at the one training step of epoch e, the weights WEIGHTS[e]. Epoch e's training pass runs with
# WEIGHTS[e - 1] (its forward comes before the step); its evaluation pass with WEIGHTS[e]. On the check's
# data that gives, per epoch 1 to 4:
#   val accuracy  0.5,  1.0,   0.75,  0.0   -> the best epoch is 2
#   val loss      1.25, 0.389, 0.335, 2.01  -> the lowest is epoch 3
#   train acc     1.0,  0.5,   0.75,  0.75  -> the best is epoch 1 (and the lowest train loss)
WEIGHTS = [[[2.0, 0.0], [0.0, 1.5]], [[1.0, 1.0], [0.0, 0.0]], [[0.5, 0.0], [0.0, 0.5]],
           [[5.0, 2.5], [0.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]]]
BEST, LOWEST_VAL_LOSS, BEST_TRAIN = 2, 3, 1
TRAIN_DATA = ([[1.0, 1.2], [0.0, 1.0], [2.0, 0.0], [1.0, 3.0]], [0, 1, 0, 1])
VAL_DATA = ([[1.0, 0.5], [0.5, 1.0], [3.0, 0.0], [0.0, 3.0]], [0, 1, 0, 1])
SCRIPTED = N_("the check's scripted run (its optimizer sets each epoch's weights)")


class ScriptedOptimizer(torch.optim.SGD):
    """An SGD whose step sets the weights of the epoch it is in (one step per epoch), in place."""

    def __init__(self, model):
        super().__init__(model.parameters(), lr=0.1)
        self.model, self.steps = model, 0

    def step(self, closure=None):
        self.steps += 1
        with torch.no_grad():
            self.model.weight.copy_(torch.tensor(WEIGHTS[min(self.steps, len(WEIGHTS) - 1)]))


class NotedLoader(DataLoader):
    """A DataLoader that notes each pass over it: (its name, model in training mode, steps before, steps after)."""

    def __init__(self, dataset, name, model, optimizer, log):
        super().__init__(dataset, batch_size=4)
        self.name, self.model, self.optimizer, self.log = name, model, optimizer, log

    def __iter__(self):
        first = True
        for batch in super().__iter__():
            if first:
                entry = [self.name, self.model.training, self.optimizer.steps, None]
                self.log.append(entry)
                first = False
            yield batch
        if not first:
            entry[3] = self.optimizer.steps


def _scripted_run(train_model):
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(WEIGHTS[0]))
    optimizer, log, loads = ScriptedOptimizer(model), [], []
    load = model.load_state_dict

    def noted_load(state_dict, *args, **kwargs):
        live = {t.data_ptr() for t in model.state_dict().values()}
        loads.append(any(torch.is_tensor(t) and t.data_ptr() in live for t in state_dict.values()))
        return load(state_dict, *args, **kwargs)

    model.load_state_dict = noted_load
    loaders = {name: NotedLoader(TensorDataset(torch.tensor(x), torch.tensor(y)), name, model, optimizer, log)
               for name, (x, y) in (("train", TRAIN_DATA), ("val", VAL_DATA))}
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)  # its lr plays no part here
    returned, _ = _train(train_model, model, nn.CrossEntropyLoss(), optimizer, scheduler, loaders, epochs=4)
    return model, returned, log, loads


def test_trains_then_evaluates_each_epoch(train_model):
    _, _, log, _ = _scripted_run(train_model)
    passes = [(name, training, before, after) for name, training, before, after in log]
    trains = [p for p in passes if p[0] == "train"]
    vals = [p for p in passes if p[0] == "val"]
    if not vals:
        unstepped = [p for p in trains if p[3] == p[2]]
        raise CheckFailed(tr("in {SCRIPTED} train_model never went over loaders['val'] (it evaluated on "
                             "loaders['train']): the evaluation pass runs on loaders['val']", SCRIPTED=tr(SCRIPTED))
                          if unstepped else
                          tr("in {SCRIPTED} train_model never went over loaders['val']: the evaluation pass runs on "
                             "loaders['val']", SCRIPTED=tr(SCRIPTED)),
                          hint=tr("run_epoch(model, loaders['val'], criterion, device): the photos it never trains on."))
    expect(len(trains) == 4, tr("in {SCRIPTED} of num_epochs=4, train_model went {n_trains} times over "
           "loaders['train']: one training pass per epoch", SCRIPTED=tr(SCRIPTED), n_trains=len(trains)), hint=tr("for epoch in range(num_epochs): one run_epoch on "
           "loaders['train'] with the optimizer, one on loaders['val'] without."))
    expect(all(after > before for _, _, before, after in trains),
           tr("in {SCRIPTED} the passes over loaders['train'] never stepped the optimizer: the training pass needs the "
              "optimizer", SCRIPTED=tr(SCRIPTED)), hint=tr("run_epoch(model, loaders['train'], criterion, device, optimizer): without it, "
           "run_epoch only evaluates."))
    expect(len(vals) == 4, tr("in {SCRIPTED} of num_epochs=4, train_model went {n_vals} times over loaders['val']: "
           "one evaluation pass per epoch", SCRIPTED=tr(SCRIPTED), n_vals=len(vals)), hint=tr("One run_epoch on loaders['val'] per epoch, after the training pass."))
    order = [name for name, *_ in passes]
    expect(order == ["train", "val"] * 4, tr("in {SCRIPTED} the passes came in the order {order}: each epoch trains "
           "first, then evaluates", SCRIPTED=tr(SCRIPTED), order=order), hint=tr("In each epoch: the training pass, scheduler.step(), then the evaluation "
           "pass, which then measures the weights that epoch trained."))
    expect(all(after == before for _, _, before, after in vals),
           tr("in {SCRIPTED} the optimizer stepped during the passes over loaders['val']: evaluation changes nothing",
              SCRIPTED=tr(SCRIPTED)),
           hint=tr("Pass no optimizer to the evaluation pass: run_epoch(model, loaders['val'], criterion, device)."))
    expect(not any(training for _, training, _, _ in vals), tr("in {SCRIPTED} the model was in training mode during "
           "the passes over loaders['val']", SCRIPTED=tr(SCRIPTED)), hint=tr("model.eval() before the evaluation pass (run_epoch without an "
           "optimizer does it)."))
    idle = [epoch for epoch, (_, training, _, _) in enumerate(trains, 1) if not training]
    expect(not idle, tr("in {SCRIPTED} the model was in evaluation mode during the training passes of epochs "
           "{idle}: the evaluation pass before them left it so; call model.train() at the start of every "
           "epoch's training pass", SCRIPTED=tr(SCRIPTED), idle=idle),
           hint=tr("model.train() inside the epoch loop, before each training pass, and model.eval() before each "
                   "evaluation pass (run_epoch does both)."))


class NotedStepLR(torch.optim.lr_scheduler.StepLR):
    """A StepLR that notes each step (after the one it takes when made) in ``log``."""

    def step(self, *args, **kwargs):
        if hasattr(self, "log"):
            self.log.append("scheduler.step()")
        return super().step(*args, **kwargs)


class PassLoader(DataLoader):
    """A DataLoader that notes in ``log`` each pass over it, by ``name``."""

    def __init__(self, loader, name, log):
        super().__init__(loader.dataset, batch_size=loader.batch_size)
        self.name, self.log = name, log

    def __iter__(self):
        self.log.append(self.name)
        return super().__iter__()


def test_scheduler_steps_before_the_evaluation(train_model):
    model, log = tiny_model(), []
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = NotedStepLR(optimizer, step_size=1, gamma=0.5)
    scheduler.log = log
    loaders = {name: PassLoader(loader, name, log) for name, loader in _small_loaders().items()}
    _train(train_model, model, nn.CrossEntropyLoss(), optimizer, scheduler, loaders, epochs=2)
    expect(log != ["train", "val", "scheduler.step()"] * 2,
           tr("with a scheduler and 2 epochs, train_model went {log}: scheduler.step() comes after the training "
              "pass and before the evaluation pass, not after it", log=log),
           hint=tr("Each epoch: the training pass, scheduler.step(), then the evaluation pass."))


def test_keeps_the_best_weights(train_model):
    model, returned, _, loads = _scripted_run(train_model)
    epochs = {tuple(map(tuple, w)): e for e, w in enumerate(WEIGHTS)}
    for which, net in ((tr("the model it returns"), returned), (tr("the model you passed"), model)):
        epoch = epochs.get(tuple(map(tuple, net.weight.detach().tolist())))
        if epoch == BEST:
            continue
        held = {0: tr("the weights it started with"),
                BEST_TRAIN: tr("the weights of epoch {BEST_TRAIN}, the epoch with the best training accuracy",
                               BEST_TRAIN=BEST_TRAIN),
                LOWEST_VAL_LOSS: tr("the weights of epoch {LOWEST_VAL_LOSS}, the epoch with the lowest val loss",
                                    LOWEST_VAL_LOSS=LOWEST_VAL_LOSS),
                len(WEIGHTS) - 1: tr("the last epoch's weights")}.get(epoch, tr("weights of no epoch"))
        if epoch == len(WEIGHTS) - 1:
            if any(loads):
                raise CheckFailed(tr("in {SCRIPTED}, {which} ends with the last epoch's weights: best weights kept by "
                                     "reference; state_dict() changes as the model trains, keep "
                                     "copy.deepcopy(model.state_dict())", SCRIPTED=tr(SCRIPTED), which=which),
                                  hint=tr("best_weights = copy.deepcopy(model.state_dict())"))
            raise CheckFailed(tr("in {SCRIPTED}, {which} ends with the last epoch's weights, not those of epoch {BEST}, "
                                 "the best val accuracy: best weights not restored; call "
                                 "model.load_state_dict(best_weights) before returning",
                                 SCRIPTED=tr(SCRIPTED), which=which, BEST=BEST),
                              hint=tr("Keep copy.deepcopy(model.state_dict()) when val accuracy improves, load it at the "
                                      "end, into the model you were given."))
        raise CheckFailed(tr("in {SCRIPTED}, {which} ends with {held}, not those of epoch {BEST}, the epoch with the "
                             "best val accuracy", SCRIPTED=tr(SCRIPTED), which=which, held=held, BEST=BEST), hint=tr("Compare val_acc, the accuracy of the evaluation pass: "
                          "if val_acc > best_acc: best_acc = val_acc; best_weights = copy.deepcopy(model.state_dict())."))


def test_device_none_means_the_models(train_model):
    model = tiny_model()
    where = tr("with the model on a pretend GPU (cuda:1) and device=None")
    what = tr("{where}, {piece}", where=where, piece="train_model")
    with PretendGPU("cuda:1") as gpu:
        gpu.put(model)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
        try:
            _train(train_model, model, nn.CrossEntropyLoss(), optimizer, scheduler, _small_loaders(), epochs=1)
        except RuntimeError as error:
            _fail_on_a_refusal(error, "train_model", where, lambda operation: (
                tr("{what} trained on the CPU (the batches stayed there and met the model in {operation}): "
                   "device=None means the device of the model's parameters", what=what, operation=operation),
                tr("if device is None: device = next(model.parameters()).device")))
        # The batches come from the CPU; a copy of the weights kept on the CPU is no batch (and is allowed).
        moved = sorted({str(target) for shape, source, target in gpu.moves if len(shape) == 4 and source.type == "cpu"})
        expect(gpu.on_gpu(model), tr("{what} moved the model off its GPU (to {targets}): device=None "
               "means the device of the model's parameters", what=what, targets=moved)
               if moved else tr("{what} moved the model off its GPU (to the CPU): device=None means the device of "
                                "the model's parameters", what=what),
               hint=tr("if device is None: device = next(model.parameters()).device; never model.to(another device)."))
        expect(moved == [str(gpu.device)], tr("{what} moved the batches to {moved}, not to cuda:1: device=None means "
               "the device of the model's parameters", what=what, moved=moved), hint=tr("if device is None: device = next(model.parameters()).device"))


# -- predict_image --------------------------------------------------------------------------

SIZE = 16


def probe_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(3 * SIZE * SIZE, 2))
    with torch.no_grad():
        model[2].weight.mul_(20)
    return model.eval()  # in eval mode, as a trained model usually is: only test_eval_mode_* hands one in train mode


def photo(width=40, height=30):
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([x / width, y / height, (x * y) / (width * height)], axis=-1)
    return Image.fromarray((rgb * 255).astype(np.uint8))


def _expected(model, image, names=("cat", "dog")):
    return catdog_lib.predict_image(model, image, list(names), size=SIZE)


def _call(predict_image, model, image, names=("cat", "dog"), **kwargs):
    """predict_image(model, image, names, size=SIZE): an error from an ignored size or a missing conversion
    is said in words (the check's model takes SIZE x SIZE images only)."""
    seen = []
    hook = model.register_forward_pre_hook(lambda module, args: seen.append((tuple(args[0].shape), args[0].dtype)))
    try:
        return predict_image(model, image, list(names), size=SIZE, **kwargs)
    except (RuntimeError, TypeError, ValueError) as error:
        call = f"predict_image(model, image, class_names, size={SIZE})"
        if seen and seen[-1][0][-2:] != (SIZE, SIZE):
            shape = seen[-1][0]
            raise CheckFailed(tr("{call} raised {error_type} ({short_error}): the check's model "
                                 "takes {SIZE} x {SIZE} images, the image reached it at {shape} x {shape2}: "
                                 "it ignores size",
                                 call=call, error_type=type(error).__name__, short_error=short_error(error, 90),
                                 SIZE=SIZE, shape=shape[-2], shape2=shape[-1]), hint=tr("Pass size on: build_transforms(train=False, size=size).")) \
                from error
        if seen and seen[-1][1] != torch.float32 or "uint8" in str(error) or "Byte" in str(error):
            raise CheckFailed(tr("{call} raised {error_type} ({short_error}): a missing "
                                 "conversion, the image reached a float step as uint8 (0 to 255)",
                                 call=call, error_type=type(error).__name__, short_error=short_error(error, 90)),
                              hint=tr("Use the eval transforms, build_transforms(train=False, size=size): their "
                                      "ToTensor() makes floats in [0, 1].")) from error
        raise
    finally:
        hook.remove()


def _predict(predict_image, model, image, names=("cat", "dog"), seed=0, **kwargs):
    """The result as {name: float}, with torch's generator seeded first (so that only what a check varies
    varies); test_returns_a_dict is the check that it is such a dict already."""
    torch.manual_seed(seed)
    result = _call(predict_image, model, image, names, **kwargs)
    if isinstance(result, (list, tuple)) and len(result) == len(names):
        result = dict(zip(names, result))
    if isinstance(result, dict) and set(result) == set(range(len(names))):
        result = {names[i]: value for i, value in result.items()}
    expect(isinstance(result, dict) and set(result) == set(names),
           tr("predict_image returned {got}, not "
              "{{'{names_0}': p, '{names_1}': q}}",
              got=list(result) if isinstance(result, dict) else type(result).__name__, names_0=names[0],
              names_1=names[1]), hint=tr("{{name: float(p) for name, p in zip(class_names, probs)}}"))
    return {name: float(value) for name, value in result.items()}


def _close(got, expected):
    return all(abs(float(got[k]) - expected[k]) < 1e-4 for k in expected)


def test_predict_image_signature(predict_image):
    expect_signature(predict_image, "predict_image")


def test_returns_a_dict(predict_image):
    result = _call(predict_image, probe_model(), photo())
    if isinstance(result, (list, tuple)) or (isinstance(result, dict) and set(result) != {"cat", "dog"}):
        keys = list(result) if isinstance(result, dict) else type(result).__name__
        raise CheckFailed(tr("with class_names ['cat', 'dog'], predict_image returned {keys}: probabilities not keyed by "
                             "class name; return {{'cat': p, 'dog': q}}", keys=keys),
                          hint=tr("{{name: float(p) for name, p in zip(class_names, probs)}}"))
    expect(isinstance(result, dict), tr("predict_image returned {result_type}, not a dict",
                                        result_type=type(result).__name__),
           hint=tr("{{name: float(p) for name, p in zip(class_names, probs)}}"))
    for value in result.values():
        if isinstance(value, torch.Tensor):
            raise CheckFailed(tr("predict_image returned tensors as probabilities: return floats, float(p)"),
                              hint=tr("float(p) or p.item() turns a one-number tensor into a Python float."))
        expect(isinstance(value, float), tr("predict_image returned a {value_type} as a probability, "
               "not a float", value_type=type(value).__name__), hint=tr("float(p) or p.item() turns a one-number tensor into a Python float."))


def test_probabilities(predict_image):
    model = probe_model()
    result = _predict(predict_image, model, photo())
    total = sum(result.values())
    if all(abs(v - 1) < 1e-4 for v in result.values()):
        raise CheckFailed(tr("for one photo, every probability is 1 ({result}): softmax over dim=0, the batch of one; "
                             "use dim=1, the classes", result=result), hint=tr("torch.softmax(outputs, dim=1)[0]"))
    expect(abs(total - 1) < 1e-4 and all(0 <= v <= 1 for v in result.values()),
           tr("for one photo the values {result} do not sum to 1: no softmax (or sigmoid); apply torch.softmax(outputs, "
              "dim=1)", result=result), hint=tr("torch.softmax(model(batch), dim=1)[0] turns the scores into probabilities that sum to 1."))
    expected = _expected(model.eval(), photo())
    if not _close(result, expected):
        if not _close(_predict(predict_image, model, photo(), seed=1), result):
            raise CheckFailed(tr("the same photo gave other probabilities each time, the model in eval mode: training "
                                 "transforms (random crops) on the photo; use build_transforms(train=False, size=size)"),
                              hint=tr("The eval transforms are deterministic: build_transforms(train=False, size=size)."))
        raise CheckFailed(tr("for the check's model and photo, predict_image gave {result}, not {expected}",
                             result=result, expected=expected),
                          hint=tr("Eval transforms, unsqueeze(0), model, softmax over dim=1: "
                                  "build_transforms(train=False, size=size)(image).unsqueeze(0)."))
    swapped = _predict(predict_image, model, photo(), names=("dog", "cat"))
    expect(_close(swapped, _expected(model, photo(), names=("dog", "cat"))),
           tr("with class_names ['dog', 'cat'] the probabilities are keyed wrongly: class_names[i] names output i"),
           hint=tr("zip(class_names, probs): the names come from the argument, not from a list of your own."))


def test_eval_mode_without_gradients(predict_image):
    model = probe_model().train()  # with dropout, whose random numbers change each call in training mode
    spy = Spy(model)
    first = _predict(predict_image, model, photo(), seed=1)
    if spy.calls:
        expect(not spy.calls[-1][0], tr("handed a model in training mode, predict_image ran it so: no eval mode; call "
               "model.eval() first"), hint=tr("Dropout and batch norm behave differently in training mode; model.eval() "
               "switches them off."))
        expect(not spy.calls[-1][1], tr("predict_image tracked gradients: run the model inside torch.no_grad()"),
               hint=tr("with torch.no_grad(): outputs = model(batch)"))
        return
    expect(_close(first, _predict(predict_image, probe_model().train(), photo(), seed=2)),
           tr("handed a model in training mode, predict_image gave other probabilities from call to call: "
              "no eval mode; call model.eval() first"), hint=tr("model.eval() switches dropout off."))


def _predict_or_fail(predict_image, model, image, what, advice, hint):
    """``_predict``; when predict_image raises on ``what``, fail with ``advice`` and ``hint``."""
    try:
        return _predict(predict_image, model, image)
    except CheckFailed:
        raise
    except Exception as error:
        raise CheckFailed(tr("predict_image failed on {what} ({error_type}: {short_error}): {advice}",
                             what=what, error_type=type(error).__name__, short_error=short_error(error),
                             advice=advice),
                          hint=hint) from error


def test_paths_and_bytes(predict_image, tmp_path):
    model = probe_model()
    expected = _predict(predict_image, model, photo())
    path = tmp_path / "cat.1.png"
    photo().save(path)
    for what, image in ((tr("a path (str)"), str(path)), (tr("a Path"), path), (tr("the bytes of a file"), path.read_bytes())):
        result = _predict_or_fail(predict_image, model, image, what, tr("accept a PIL image, a path or bytes"),
                                  tr("Image.open(io.BytesIO(data)) opens bytes; Image.open(path) a str or a Path."))
        expect(_close(result, expected), tr("predict_image gave other probabilities for {what} than for the same "
               "photo as a PIL image", what=what), hint=tr("Open it and go on as with a PIL image: the same transforms for every "
               "kind of input."))


def test_any_image_mode(predict_image):
    model = probe_model()
    for mode in ("RGBA", "L", "P", "CMYK"):
        image = photo().convert(mode)
        result = _predict_or_fail(predict_image, model, image, tr("an image in mode {mode}", mode=mode),
                                  tr("RGBA or grayscale not converted; call .convert('RGB')"),
                                  tr("image = image.convert('RGB') before the transforms."))
        expect(_close(result, _predict(predict_image, model, image.convert("RGB"))),
               tr("an image in mode {mode} gave other probabilities than the same image converted to RGB: RGBA or "
                  "grayscale not converted; call .convert('RGB')", mode=mode), hint=tr("image = image.convert('RGB') before the "
               "transforms."))


def test_exif_orientation(predict_image, tmp_path):
    model = probe_model()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to show upright
    path = tmp_path / "phone.jpg"
    photo().save(path, format="JPEG", quality=95, exif=exif)
    upright = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    result = _predict(predict_image, model, str(path))
    expected = _predict(predict_image, model, upright)
    expect(_close(result, expected), tr("a phone photo stored sideways (EXIF orientation 6) gave other probabilities "
           "than the same photo turned upright: EXIF orientation ignored; apply ImageOps.exif_transpose(image)"),
           hint=tr("image = ImageOps.exif_transpose(image) turns the photo upright before anything else."))


def test_runs_where_the_model_is(predict_image):
    for given in (None, "cuda:1"):
        model = probe_model()
        where = tr("with the model on a pretend GPU (cuda:1) and {device}",
                   device="device=None" if given is None else "device=cuda:1")
        what = tr("{where}, {piece}", where=where, piece="predict_image")
        with PretendGPU("cuda:1") as gpu:
            gpu.put(model)
            kwargs = {} if given is None else {"device": gpu.device}
            try:
                _call(predict_image, model, photo(), **kwargs)
            except RuntimeError as error:
                _fail_on_a_refusal(error, "predict_image", where, lambda operation: (
                    tr("{what} left the image on the CPU, where it met the model in {operation}: "
                       "the image goes where the model is", what=what, operation=operation),
                    tr("Move the batch: batch.to(device), with device = next(model.parameters()).device "
                       "when device is None.")))
            except TypeError as error:
                if "numpy" not in str(error):
                    raise
                raise CheckFailed(tr("{what} called .numpy() on a tensor on the GPU ({short_error})",
                                     what=what, short_error=short_error(error, 80)),
                                  hint=tr("Use float(p) or .tolist(), or .cpu() before .numpy().")) from error
            expect(gpu.on_gpu(model), tr("{what} moved the model off its GPU: a model given on a GPU must stay usable "
                   "there afterwards", what=what), hint=tr("Move the image to the model (batch.to(device)), never the model to the "
                   "CPU."))
