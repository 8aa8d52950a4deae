# expect: it falls back quietly
def pick_device(prefer=None):
    if prefer is not None:
        name = prefer.lower()
        kind = name.split(":")[0]
        if kind == "cpu" or (kind == "cuda" and torch.cuda.is_available()) or (kind == "mps" and torch.backends.mps.is_available()):
            return torch.device(name)
        return torch.device("cpu")  # quietly fall back
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
