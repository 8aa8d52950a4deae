# expect: rounding the two sizes separately loses or repeats items
# val from the front, train from the back, each size rounded on its own.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = random.Random(seed)
    by_label = {}
    for item in items:
        by_label.setdefault(item[1], []).append(item)
    train, val = [], []
    for label in sorted(by_label):
        group = by_label[label][:]
        rng.shuffle(group)
        n_train = round(len(group) * (1 - val_fraction))
        val += group[:round(len(group) * val_fraction)]
        train += group[len(group) - n_train:]
    return train, val
