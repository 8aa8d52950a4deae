# expect: it drops the index
def pick_device(prefer=None):
    if prefer is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind, _, index = prefer.lower().partition(":")
    if kind == "cpu":
        return torch.device("cpu")
    if kind == "cuda" and torch.cuda.is_available() and int(index or 0) < torch.cuda.device_count():
        return torch.device("cuda")
    if kind == "mps" and torch.backends.mps.is_available():
        return torch.device("mps")
    raise ValueError(f"device {prefer!r} is not available")
