# Another shape: a table of what is available, one torch.device made at the end.
def pick_device(prefer=None):
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if prefer is None:
        for name in ("cuda", "mps", "cpu"):
            if available[name]:
                return torch.device(name)
    wanted = prefer.strip().lower()
    kind, _, index = wanted.partition(":")
    if available.get(kind) and (not index or int(index) < torch.cuda.device_count()):
        return torch.device(wanted)
    raise ValueError(f"{prefer} is not available here")
