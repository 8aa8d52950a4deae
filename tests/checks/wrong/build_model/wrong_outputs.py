# expect: wrong number of outputs
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    model.fc = nn.Linear(512, 2)
    return model
