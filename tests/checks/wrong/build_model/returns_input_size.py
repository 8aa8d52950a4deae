# expect: not an nn.Module
# The finetuning tutorial's initialize_model returns the model and its input size.
def build_model(num_classes=2, weights="DEFAULT", freeze_backbone=False):
    model_ft = models.resnet18(weights=weights)
    if freeze_backbone:
        for param in model_ft.parameters():
            param.requires_grad = False
    num_ftrs = model_ft.fc.in_features
    model_ft.fc = nn.Linear(num_ftrs, num_classes)
    input_size = 224
    return model_ft, input_size
