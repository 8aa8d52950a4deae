"""Grad-CAM: where in a photo the network looks when it decides (Selvaraju et al., 2017).

The last convolutional stage of a ResNet18 (``layer4``) describes a 224 px
photo as 512 maps of 7 x 7 places. Grad-CAM asks how much the score of a
class would grow if each map grew (the gradient, averaged over its places),
weighs the maps by that, adds them up and keeps what is positive: a 7 x 7
picture of the places that speak *for* the class, stretched over the photo.

The kit's own dozen lines rather than the ``grad-cam`` package: the method
is two hooks and four tensor operations, which a learner can read in one go
(the package hides them behind a class for many kinds of models, and brings
OpenCV and scikit-learn with it).
"""
import torch
import torch.nn.functional as F


def grad_cam(model, batch, layer=None, target=None):
    """Heat maps of where ``model`` looks, one per image of ``batch``: ``(maps, target)``.

    ``batch``: normalized images, ``N x 3 x H x W``, on the model's device.
    ``layer``: the convolutional layer to explain (default ``model.layer4``).
    ``target``: the class of each image to explain (default: the predicted
    one). ``maps`` is ``N x H x W`` in [0, 1] (1: where the evidence for the
    class is strongest); ``target`` the classes explained. The model's
    weights and gradients are left as they were; it ends in eval mode.
    """
    layer = model.layer4 if layer is None else layer
    saved = {}

    def keep(module, inputs, output):  # the forward pass: keep the maps, and ask for their gradient
        saved["maps"] = output
        output.register_hook(lambda grad: saved.__setitem__("grads", grad))

    handle = layer.register_forward_hook(keep)
    was_grads = [p.grad for p in model.parameters()]
    try:
        model.eval()
        with torch.enable_grad():
            scores = model(batch.detach().requires_grad_(True))
            target = scores.argmax(dim=1) if target is None else torch.as_tensor(target, device=scores.device)
            scores.gather(1, target.view(-1, 1)).sum().backward()
    finally:
        handle.remove()
        for p, grad in zip(model.parameters(), was_grads):
            p.grad = grad
    weights = saved["grads"].mean(dim=(2, 3), keepdim=True)  # how much each map counts for the class
    cam = F.relu((weights * saved["maps"]).sum(dim=1, keepdim=True))  # the places that speak for it
    cam = F.interpolate(cam, size=batch.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    cam = cam / cam.amax(dim=(1, 2), keepdim=True).clamp_min(1e-8)
    return cam.detach().float().cpu(), target.detach().cpu()
