# expect: not two lists
# A numpy user's split: index arrays, fancy indexing, arrays out.
def split_items(items, val_fraction=0.25, seed=0):
    if not 0 < val_fraction < 1:
        raise ValueError("val_fraction must be between 0 and 1")
    data = np.array([(str(path), label) for path, label in items])
    rng = np.random.default_rng(seed)
    val_rows, train_rows = [], []
    for label in np.unique(data[:, 1]):
        rows = rng.permutation(np.flatnonzero(data[:, 1] == label))
        n_val = int(round(len(rows) * val_fraction))
        val_rows.extend(rows[:n_val])
        train_rows.extend(rows[n_val:])
    return data[train_rows], data[val_rows]
