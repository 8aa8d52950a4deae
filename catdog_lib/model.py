"""The model: an ImageNet ResNet18 with a new last layer for our classes.

The piece of lesson 04 that builds the network.
"""
from torch import nn
from torchvision import models

# ensure_pretrained_weights and pretrained_weights_path: lessons 04 and 05 import them from here.
from .train.weights import ensure_pretrained_weights, parse_weights, pretrained_weights_path  # noqa: F401


def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    """torchvision's ResNet18 with its last layer replaced for ``num_classes`` classes.

    ``weights="DEFAULT"`` starts from the weights learned on ImageNet's 1.2
    million photos (downloaded once into torch's cache); ``weights=None``
    starts from random numbers. ImageNet's ResNet ends in ``fc``, a linear
    layer from 512 features to 1000 classes; we replace it with a new
    ``nn.Linear(512, num_classes)``: transfer learning.

    With ``freeze_backbone=True`` only the new ``fc`` learns: every other
    parameter gets ``requires_grad = False``. We freeze *before* replacing
    ``fc``, so the new layer, made afterwards, stays trainable. (In train
    mode batch normalization still updates its running statistics: they are
    buffers, not parameters.)
    """
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model


# Around the piece: the ImageNet weights, or why we could not get them
# (catdog_lib.train.weights). The CLI calls build_model_or_explain, which
# makes sure the weights file is in torch's cache first, so that build_model
# only ever loads a good local file.

def build_model_or_explain(num_classes=2, weights="DEFAULT", freeze_backbone=False, build=None):
    """``build(num_classes, weights, freeze_backbone)`` (default: the ``build_model`` piece), with the
    ImageNet weights fetched first, so that a missing file becomes a clear ``CatdogError``.

    ``weights`` may also be ``"none"`` (what ``--weights none`` gives): random weights.
    Pass ``build`` to use a learner's own ``build_model``.
    """
    weights = parse_weights(weights)
    if weights is not None:
        ensure_pretrained_weights(weights)
    return (build or build_model)(num_classes=num_classes, weights=weights, freeze_backbone=freeze_backbone)
