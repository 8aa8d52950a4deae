# expect: it ignores mps
# The transfer-learning tutorial's own line for prefer=None.
def pick_device(prefer=None):
    if prefer is None:
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    name = prefer.lower()
    device = torch.device(name)
    ok = {"cpu": True, "cuda": torch.cuda.is_available() and (device.index or 0) < torch.cuda.device_count(),
          "mps": torch.backends.mps.is_available()}
    if not ok.get(device.type, False):
        raise ValueError(f"device {prefer!r} is not available")
    return device
