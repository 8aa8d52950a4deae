# expect: are lost; split every label the items have
# The labels taken from a constant rather than from the items.
LABELS = ("cat", "dog")


def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in LABELS:
        group = [item for item in items if item[1] == label]
        order = rng.permutation(len(group))
        n_val = int(round(len(group) * val_fraction))
        val.extend(group[i] for i in order[:n_val])
        train.extend(group[i] for i in order[n_val:])
    return train, val
