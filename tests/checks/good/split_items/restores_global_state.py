# Uses the global generator, but puts its state back before returning: nothing shared is changed.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be in (0, 1)")
    saved = random.getstate()
    try:
        random.seed(seed)
        by_label = {}
        for item in items:
            by_label.setdefault(item[1], []).append(item)
        train, val = [], []
        for label in sorted(by_label):
            group = by_label[label][:]
            random.shuffle(group)
            k = math.floor(len(group) * val_fraction)
            train += group[k:]
            val += group[:k]
        return train, val
    finally:
        random.setstate(saved)
