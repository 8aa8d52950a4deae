# expect: sending every k-th item to val is right only when 1 / val_fraction is whole
# Every k-th item of each shuffled label to val, k = round(1 / val_fraction).
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = random.Random(seed)
    k = round(1 / val_fraction)
    train, val = [], []
    for label in sorted({label for _, label in items}):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        for i, item in enumerate(group):
            (val if i % k == 0 else train).append(item)
    return train, val
