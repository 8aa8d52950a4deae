# expect: setting out_features does not change the layer
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    model.fc.out_features = num_classes
    model.fc.requires_grad_(True)
    return model
