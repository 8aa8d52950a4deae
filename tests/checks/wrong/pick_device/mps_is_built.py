# expect: it asks is_built()
# Apple's GPU asked for with is_built(): true wherever PyTorch for macOS is installed.
def pick_device(prefer=None):
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_built():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(prefer.lower())
    if device.type == "cpu":
        return device
    if device.type == "cuda" and torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count():
        return device
    if device.type == "mps" and torch.backends.mps.is_available():
        return device
    raise ValueError(f"device {prefer!r} is not available")
