# expect: split_items returns (val, train)
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = random.Random(seed)
    val, train = [], []
    for label in sorted(set(label for _, label in items)):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        k = round(len(group) * val_fraction)
        val.extend(group[:k])
        train.extend(group[k:])
    return val, train
