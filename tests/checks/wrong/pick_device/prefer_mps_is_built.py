# expect: pick_device('mps') returned
# A table of what each kind needs; for mps it asks whether PyTorch was built with it.
def pick_device(prefer=None):
    checks = {
        "cuda": torch.cuda.is_available,
        "mps": torch.backends.mps.is_built,
        "cpu": lambda: True,
    }
    if prefer is None:
        for kind in ("cuda", "mps"):
            if torch.cuda.is_available() if kind == "cuda" else torch.backends.mps.is_available():
                return torch.device(kind)
        return torch.device("cpu")
    device = torch.device(str(prefer).lower())
    if not checks.get(device.type, lambda: False)():
        raise ValueError(f"{prefer} is not available here")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ValueError(f"{prefer} is not available here")
    return device
