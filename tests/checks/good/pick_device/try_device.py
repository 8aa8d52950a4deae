# Lets torch parse the name, and asks about each kind in turn.
def pick_device(prefer=None):
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if torch.backends.mps.is_available() else torch.device("cpu")
    try:
        device = torch.device(prefer.lower())
    except RuntimeError:
        raise ValueError(f"unknown device {prefer!r}")
    if device.type == "cuda":
        usable = torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count()
    elif device.type == "mps":
        usable = torch.backends.mps.is_available()
    else:
        usable = device.type == "cpu"
    if not usable:
        raise ValueError(f"{prefer!r} is not available on this machine")
    return device
