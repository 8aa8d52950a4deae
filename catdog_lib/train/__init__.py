"""Training around the pieces: folders and a model in, a trained model, its history and a bundle out.

- ``recipe``: the recipe's defaults (SGD, StepLR, learning rate, batch size), in one dataclass.
- ``fit``: the classic loop (the pieces' loaders and ``run_epoch``), with checkpoints and progress.
- ``fast``: the fast loop (``cache`` decodes every photo once, ``augment`` works on whole batches).
- ``amp``, ``checkpoint``, ``fingerprint``: what both loops share (mixed precision, resuming, a split's identity).
- ``weights``: the ImageNet weights the model starts from; ``bundle``: the trained model in one file;
  ``evaluate``: the model's answers on the validation set, for the plots.
"""
