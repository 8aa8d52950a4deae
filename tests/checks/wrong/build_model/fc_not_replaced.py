# expect: fc not replaced
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    return model
