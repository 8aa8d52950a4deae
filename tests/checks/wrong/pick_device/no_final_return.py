# expect: returned NoneType, not a torch.device
def pick_device(prefer=None):
    if prefer:
        kind = prefer.lower()
        dev = torch.device(kind)
        if dev.type == "cpu" or (dev.type == "mps" and torch.backends.mps.is_available()) or \
                (dev.type == "cuda" and torch.cuda.is_available() and (dev.index or 0) < torch.cuda.device_count()):
            return dev
        raise ValueError(prefer + " is not available")
    if torch.cuda.is_available():
        return torch.device("cuda")
    elif torch.backends.mps.is_available():
        return torch.device("mps")
