# Rounds val up (math.ceil), train is the rest; labels in the order they first appear, sorted.
def split_items(items, val_fraction=0.25, seed=0):
    if not (0 < val_fraction < 1):
        raise ValueError(f"val_fraction={val_fraction} is not between 0 and 1")
    rng = random.Random(seed)
    train, val = [], []
    for label in sorted(dict.fromkeys(label for _, label in items)):
        group = [item for item in items if item[1] == label]
        rng.shuffle(group)
        cut = math.ceil(len(group) * val_fraction)
        val += group[:cut]
        train += group[cut:]
    rng.shuffle(train)
    rng.shuffle(val)
    return train, val
