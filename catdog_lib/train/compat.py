"""``fit`` and ``fit_fast``: what the lessons already in learners' hands call, as thin calls into the one loop.

Lessons released before the one loop (0cc7a14) train with ``fit(model,
loaders, ...)`` (``catdog_lib.fit``) and ``fit_fast(data_dir, ...)``
(``catdog_lib.fast``). Their names and arguments keep working; the training
is ``loop.train``, with the reference ``train_model`` (calling the
``run_epoch`` given, if any) and, for ``fit_fast``, the fast loaders.
"""
from .linking import with_names
from .loop import train
from .recipe import RECIPE, default_lr, fast_batch_size
from .run import train_on_folder


def fit(model, loaders, *, epochs, lr, momentum=RECIPE.momentum, step_size=None, gamma=RECIPE.gamma,
        device=None, checkpoint=None, identity=None, run_epoch=None, progress=True, amp=True, on_epoch=None):
    """Train ``model`` on ``loaders`` for ``epochs``: ``(model, history)``. ``run_epoch``: a learner's, used
    by the reference ``train_model``. The other arguments are ``loop.train``'s."""
    from ..hardware import pick_device
    from ..training import train_model

    if run_epoch is not None:
        train_model = with_names(train_model, run_epoch=run_epoch)
    return train(model, loaders, epochs=epochs, lr=lr, train_model=train_model, momentum=momentum, gamma=gamma,
                 step_size=step_size, device=device if device is not None else pick_device(), checkpoint=checkpoint,
                 identity=identity, progress=progress, amp=amp, on_epoch=on_epoch)


def fit_fast(data_dir, *, epochs=RECIPE.epochs, size=RECIPE.size, batch_size=None, lr=None, weights="DEFAULT",
             device=None, seed=RECIPE.seed, checkpoint=None, cache_dir=None, model=None, progress=True, on_epoch=None,
             available_memory=None):
    """Train on ``data_dir`` with the fast loaders: ``(model, history, class_names)``.

    ``batch_size`` and ``lr`` default to the device's (``recipe.fast_batch_size``,
    ``recipe.default_lr``); ``on_epoch(epoch, history)`` as it was called
    then (``epoch`` counted from 0).
    """
    from ..hardware import pick_device

    device = pick_device(device) if device is None or isinstance(device, str) else device
    batch_size = batch_size or fast_batch_size(device)
    lr = lr or default_lr(batch_size, weights)
    report = None if on_epoch is None else (lambda history: on_epoch(len(history["lr"]) - 1, history))
    run = train_on_folder(data_dir, fast=True, epochs=epochs, size=size, batch_size=batch_size, lr=lr,
                          weights=weights, device=device, seed=seed, checkpoint=checkpoint, model=model,
                          cache_dir=cache_dir, progress=progress, on_epoch=report, available_memory=available_memory)
    run.model.cache_placement = run.loaders["train"].placement  # for reports: "gpu" or "ram"
    return run.model, run.history, run.class_names
