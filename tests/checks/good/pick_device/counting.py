# Counts GPUs instead of asking is_available, and builds the device name as a string.
def pick_device(prefer=None):
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    apple = torch.backends.mps.is_available()
    if prefer is None:
        name = "cuda" if gpus else ("mps" if apple else "cpu")
        return torch.device(name)
    device = torch.device(str(prefer).lower())
    ok = (device.type == "cpu"
          or (device.type == "cuda" and gpus > (device.index or 0))
          or (device.type == "mps" and apple))
    if not ok:
        raise ValueError("cannot use device " + str(prefer) + ": not available")
    return device
