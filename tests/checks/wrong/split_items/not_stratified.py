# expect: the split is not stratified
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    items = list(items)
    random.Random(seed).shuffle(items)
    n_val = round(len(items) * val_fraction)
    return items[n_val:], items[:n_val]
