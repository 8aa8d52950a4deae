# expect: is not torchvision's resnet18
# A CIFAR trick for small photos: a 3 x 3 first convolution and no max pooling.
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model.parameters():
            param.requires_grad = False
    model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    model.conv1.requires_grad_(not freeze_backbone)
    model.maxpool = nn.Identity()
    model.fc = nn.Linear(512, num_classes)
    return model
