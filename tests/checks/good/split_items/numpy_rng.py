# numpy's own generator, and floor instead of round.
def split_items(items, val_fraction=0.25, seed=0):
    if val_fraction <= 0 or val_fraction >= 1:
        raise ValueError(f"val_fraction {val_fraction} is not between 0 and 1")
    rng = np.random.default_rng(seed)
    items = list(items)
    train, val = [], []
    for label in sorted(set(label for _, label in items)):
        group = [item for item in items if item[1] == label]
        order = rng.permutation(len(group))
        n_val = int(len(group) * val_fraction)
        val += [group[i] for i in order[:n_val]]
        train += [group[i] for i in order[n_val:]]
    return train, val
