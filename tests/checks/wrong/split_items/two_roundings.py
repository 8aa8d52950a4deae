# expect: rounding the two sizes separately loses or repeats items
# Both sizes worked out from the fraction, each rounded down.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = random.Random(seed)
    train, val = [], []
    for label in sorted({label for _, label in items}):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        n_val = int(len(group) * val_fraction)
        n_train = int(len(group) * (1 - val_fraction))
        val += group[:n_val]
        train += group[n_val:n_val + n_train]
    return train, val
