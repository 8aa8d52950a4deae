# expect: return the label in lower case
def label_from_filename(path):
    name = Path(path).name
    label = name.split(".")[0]
    if label.lower() not in ("cat", "dog"):
        raise ValueError(f"cannot tell the label of {name!r}")
    return label
