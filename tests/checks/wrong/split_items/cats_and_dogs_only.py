# expect: are lost; split every label the items have
# Two lists made by hand, one per label the course knows.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), not {val_fraction}")
    rng = random.Random(seed)
    cats = [item for item in items if item[1] == "cat"]
    dogs = [item for item in items if item[1] == "dog"]
    train, val = [], []
    for group in (cats, dogs):
        rng.shuffle(group)
        n_val = round(len(group) * val_fraction)
        val += group[:n_val]
        train += group[n_val:]
    return train, val
