# expect: gave another split in a new Python process
# A generator per label, seeded with hash(label): str hashes change from one process to the next.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    groups = {}
    for path, label in items:
        groups.setdefault(label, []).append((path, label))
    train, val = [], []
    for label in sorted(groups):
        group = groups[label]
        random.Random(seed + hash(label)).shuffle(group)
        n_val = round(len(group) * val_fraction)
        val += group[:n_val]
        train += group[n_val:]
    return train, val
