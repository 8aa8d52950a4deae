# Sorts each label's items, then shuffles with a generator seeded from (seed, label).
def split_items(items, val_fraction=0.25, seed=0):
    if not 0.0 < val_fraction < 1.0:
        raise ValueError("val_fraction should be in (0, 1)")
    groups = {}
    for path, label in items:
        groups.setdefault(label, []).append((path, label))
    train, val = [], []
    for label, group in sorted(groups.items()):
        group = sorted(group, key=lambda item: str(item[0]))
        random.Random(f"{seed}-{label}").shuffle(group)
        cut = math.floor(len(group) * val_fraction + 0.5)
        val.extend(group[:cut])
        train.extend(group[cut:])
    return train, val
