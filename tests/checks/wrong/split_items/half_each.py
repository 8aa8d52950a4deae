# expect: the split is not stratified
# Assumes as many cats as dogs: half of val from each label.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    rng = random.Random(seed)
    per_label = round(len(items) * val_fraction / 2)
    train, val = [], []
    for label in ("cat", "dog"):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        val += group[:per_label]
        train += group[per_label:]
    return train, val
