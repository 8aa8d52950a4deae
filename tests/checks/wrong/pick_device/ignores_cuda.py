# expect: it ignores CUDA
def pick_device(prefer=None):
    if prefer is not None:
        device = torch.device(str(prefer).lower())
        if device.type == "cpu":
            return device
        if device.type == "mps" and torch.backends.mps.is_available():
            return device
        raise ValueError(f"device {prefer!r} is not available")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
