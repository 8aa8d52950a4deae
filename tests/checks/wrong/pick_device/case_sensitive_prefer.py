# expect: it is case-sensitive
def pick_device(prefer=None):
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if prefer == "cpu":
        return torch.device("cpu")
    if prefer.startswith("cuda") and torch.cuda.is_available():
        device = torch.device(prefer)
        if device.index is None or device.index < torch.cuda.device_count():
            return device
    if prefer == "mps" and torch.backends.mps.is_available():
        return torch.device("mps")
    raise ValueError(f"device {prefer!r} is not available")
