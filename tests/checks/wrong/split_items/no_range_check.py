# expect: did not raise ValueError
def split_items(items, val_fraction=0.25, seed=0):
    rng = random.Random(seed)
    train, val = [], []
    for label in sorted({label for _, label in items}):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        n_val = round(len(group) * val_fraction)
        val += group[:n_val]
        train += group[n_val:]
    return train, val
