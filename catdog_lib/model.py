"""The model: an ImageNet ResNet18 with a new last layer for our classes.

The piece of lesson 04 that builds the network.
"""
from torch import nn
from torchvision import models


def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    """torchvision's ResNet18 with its last layer replaced for ``num_classes`` classes.

    ``weights="DEFAULT"`` starts from the weights learned on ImageNet's 1.2
    million photos (downloaded once into torch's cache); ``weights=None``
    starts from random numbers. ImageNet's ResNet ends in ``fc``, a linear
    layer from 512 features to 1000 classes; we replace it with a new
    ``nn.Linear(512, num_classes)``: transfer learning.

    With ``freeze_backbone=True`` only the new ``fc`` learns: every other
    parameter gets ``requires_grad = False``. We freeze *before* replacing
    ``fc``, so the new layer, made afterwards, stays trainable.
    """
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
