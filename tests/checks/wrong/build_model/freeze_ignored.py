# expect: freeze_backbone ignored
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model
