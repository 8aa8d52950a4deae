# expect: changed the caller's list
# Sorts the caller's list by label to group it, then cuts each run.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    items.sort(key=lambda item: item[1])
    rng = random.Random(seed)
    train, val = [], []
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and items[end][1] == items[start][1]:
            end += 1
        group = items[start:end]
        rng.shuffle(group)
        n_val = round(len(group) * val_fraction)
        val += group[:n_val]
        train += group[n_val:]
        start = end
    return train, val
