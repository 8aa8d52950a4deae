# expect: GPU 3 does not exist; check the index
def pick_device(prefer=None):
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(prefer.lower())
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {prefer!r} is not available")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {prefer!r} is not available")
    return device
