# Replaces fc first, then freezes every parameter whose name is not fc's.
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    net = models.resnet18(weights=weights)
    net.fc = nn.Linear(in_features=net.fc.in_features, out_features=num_classes)
    if freeze_backbone:
        for name, parameter in net.named_parameters():
            if not name.startswith("fc."):
                parameter.requires_grad = False
    return net
