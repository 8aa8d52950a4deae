# expect: sending every k-th item to val is right only when 1 / val_fraction is whole
# Slices with a step: group[::k] to val, the rest to train.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = random.Random(seed)
    step = int(1 / val_fraction)
    train, val = [], []
    for label in sorted(set(label for _, label in items)):
        group = sorted((item for item in items if item[1] == label), key=lambda item: str(item[0]))
        rng.shuffle(group)
        val += group[::step]
        train += [item for i, item in enumerate(group) if i % step]
    return train, val
