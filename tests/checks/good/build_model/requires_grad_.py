def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    model.requires_grad_(not freeze_backbone)
    model.fc = nn.Linear(512, num_classes)
    return model
