# expect: failed on a tuple of items
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    items = items.copy()
    items.sort(key=lambda item: (item[1], str(item[0])))
    rng = random.Random(seed)
    train, val = [], []
    for label in ("cat", "dog"):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        n_val = round(len(group) * val_fraction)
        val += group[:n_val]
        train += group[n_val:]
    return train, val
