# The weights named by their enum, as torchvision's documentation does; freezing by named_parameters.
def build_model(num_classes=2, weights=models.ResNet18_Weights.DEFAULT, freeze_backbone=False):
    net = models.resnet18(weights=weights)
    for name, param in net.named_parameters():
        param.requires_grad = not freeze_backbone
    net.fc = nn.Linear(net.fc.in_features, num_classes)
    return net
