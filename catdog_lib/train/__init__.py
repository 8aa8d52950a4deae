"""Training around the pieces: folders and a model in, a trained model, its history and a bundle out.

- ``loop``: the one training loop: the ``train_model`` piece called once for all the epochs, with checkpoints,
  resume, progress and mixed precision (``amp``) around it; ``run``: ``train_on_folder``, the loaders, the
  model and the loop, as ``catdog train`` and lesson 05 call them.
- ``fast``: the fast loaders (``cache`` decodes every photo once, ``augment`` works on whole batches).
- ``recipe``: the recipe's defaults (SGD, StepLR's step, learning rate, batch size), in one dataclass.
- ``checkpoint``, ``fingerprint``: resuming, and a split's identity; ``linking``: which piece a piece's code reaches.
- ``weights``: the ImageNet weights the model starts from; ``bundle``: the trained model in one file;
  ``evaluate``: the model's answers on the validation set, for the plots.
- ``compat``: ``fit`` and ``fit_fast``, which lessons already shipped call, as thin calls into the loop.
"""
