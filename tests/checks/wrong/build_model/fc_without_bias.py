# expect: model.fc has no bias
# A last layer without its bias: nn.Linear(..., bias=False).
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes, bias=False)
    return model
