# expect: a Kaggle name has a number between the label and the extension
# The part before the first dot, checked; the rest of the name never looked at.
def label_from_filename(path):
    name = os.path.basename(os.fspath(path))
    label = name.split(".")[0].lower()
    if label not in ("cat", "dog"):
        raise ValueError(f"not a Kaggle name: {name!r}")
    return label
