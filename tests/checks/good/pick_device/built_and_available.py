# Both questions asked of MPS (is_built and is_available), as some guides write it.
def pick_device(prefer=None):
    def mps_ok():
        return torch.backends.mps.is_built() and torch.backends.mps.is_available()

    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if mps_ok():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(prefer.lower())
    if device.type == "cpu":
        return device
    if device.type == "mps" and mps_ok():
        return device
    if device.type == "cuda" and torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count():
        return device
    raise ValueError(f"device {prefer!r} is not available on this machine")
