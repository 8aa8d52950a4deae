# expect: it ignores CUDA
# An Apple-laptop habit: ask for mps first, and cuda never comes up when both are there.
def pick_device(prefer=None):
    if prefer is not None:
        device = torch.device(str(prefer).lower())
        if device.type == "cpu":
            return device
        if device.type == "cuda" and torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count():
            return device
        if device.type == "mps" and torch.backends.mps.is_available():
            return device
        raise ValueError(f"device {prefer!r} is not available")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    if torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
