# expect: a Kaggle name has a number between the label and the extension
# The stem's first part, read with pathlib: 'cat.jpg' has the stem 'cat'.
def label_from_filename(path):
    p = Path(path)
    label = p.stem.split(".")[0].lower()
    if label in {"cat", "dog"}:
        return label
    raise ValueError(f"cannot label {p.name!r}")
