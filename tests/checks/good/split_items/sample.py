# random.Random(seed).sample per label, ceil rounding, sets for membership.
def split_items(items, val_fraction=0.25, seed=0):
    if not (0 < val_fraction < 1):
        raise ValueError("val_fraction must lie between 0 and 1")
    rng = random.Random(seed)
    labels = {}
    for index, (path, label) in enumerate(items):
        labels.setdefault(label, []).append(index)
    chosen = set()
    for label in sorted(labels):
        indices = labels[label]
        chosen.update(rng.sample(indices, math.ceil(len(indices) * val_fraction)))
    train = [tuple(items[i]) for i in range(len(items)) if i not in chosen]
    val = [tuple(items[i]) for i in sorted(chosen)]
    rng.shuffle(train)
    return train, val
