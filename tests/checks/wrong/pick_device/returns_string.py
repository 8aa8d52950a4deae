# expect: not a torch.device
def pick_device(prefer=None):
    if prefer is not None:
        return str(prefer).lower()
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"
