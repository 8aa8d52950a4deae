# expect: it asks is_built()
# Either answer taken as yes.
def pick_device(prefer=None):
    mps = torch.backends.mps.is_built() or torch.backends.mps.is_available()
    if prefer is None:
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if mps else "cpu")
    name = prefer.lower()
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available() or (device.index or 0) >= torch.cuda.device_count():
            raise ValueError(f"device {prefer!r} is not available")
    elif device.type == "mps" and not mps:
        raise ValueError(f"device {prefer!r} is not available")
    return device
