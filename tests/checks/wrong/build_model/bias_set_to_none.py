# expect: model.fc has no bias
# The bias removed after the new layer is made ("a linear classifier needs no offset").
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    for param in model.parameters():
        param.requires_grad = not freeze_backbone
    fc = nn.Linear(512, num_classes)
    fc.register_parameter("bias", None)
    model.fc = fc
    return model
