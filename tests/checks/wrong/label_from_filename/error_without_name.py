# expect: does not name the file
def label_from_filename(path):
    label = Path(path).name.split(".")[0].lower()
    if label not in ("cat", "dog"):
        raise ValueError("unknown label")
    return label
