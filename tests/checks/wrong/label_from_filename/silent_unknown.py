# expect: instead of raising ValueError
def label_from_filename(path):
    label = Path(path).name.split(".")[0].lower()
    return label if label in ("cat", "dog") else "unknown"
