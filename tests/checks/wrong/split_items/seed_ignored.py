# expect: it ignores seed
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = random.Random(42)  # the answer to everything
    train, val = [], []
    for label in sorted({label for _, label in items}):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        n_val = round(len(group) * val_fraction)
        val += group[:n_val]
        train += group[n_val:]
    return train, val
