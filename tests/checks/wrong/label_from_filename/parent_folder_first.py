# expect: it reads the name of a folder
# ImageFolder's habit: a folder named cat or dog is taken for the label before the file's own name.
def label_from_filename(path):
    path = Path(path)
    folder = path.parent.name.lower()
    if folder in ("cat", "dog"):
        return folder
    parts = path.name.split(".")
    if len(parts) < 3 or parts[0].lower() not in ("cat", "dog"):
        raise ValueError(f"cannot tell the label of {path.name!r}")
    return parts[0].lower()
