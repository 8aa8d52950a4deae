# expect: does not name the device
def pick_device(prefer=None):
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(prefer.lower())
    available = (device.type == "cpu"
                 or (device.type == "cuda" and torch.cuda.is_available()
                     and (device.index or 0) < torch.cuda.device_count())
                 or (device.type == "mps" and torch.backends.mps.is_available()))
    if not available:
        raise ValueError("this device is not available on this machine")
    return device
