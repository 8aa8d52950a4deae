# expect: gave another split in a new Python process
# One generator for all labels, taken in the order of a set: that order follows string hashes.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = random.Random(seed)
    train, val = [], []
    for label in set(label for _, label in items):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        cut = int(len(group) * val_fraction)
        val += group[:cut]
        train += group[cut:]
    return train, val
