# expect: has no parameter 'prefer'
def pick_device(device=None):
    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    wanted = torch.device(device.lower())
    if wanted.type == "cpu":
        return wanted
    if wanted.type == "cuda" and torch.cuda.is_available() and (wanted.index or 0) < torch.cuda.device_count():
        return wanted
    if wanted.type == "mps" and torch.backends.mps.is_available():
        return wanted
    raise ValueError(f"{device} is not available")
