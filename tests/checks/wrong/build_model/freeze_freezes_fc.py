# expect: freezing also freezes fc
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    return model
