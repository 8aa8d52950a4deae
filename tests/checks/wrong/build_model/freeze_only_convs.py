# expect: still learn (e.g. bn1.weight)
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                module.weight.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
