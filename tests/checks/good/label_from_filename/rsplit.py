# os.path.basename and a check on the parts.
def label_from_filename(path):
    name = os.path.basename(os.fspath(path))
    parts = name.split(".")
    if len(parts) >= 3 and parts[0].lower() in {"cat", "dog"}:
        return parts[0].lower()
    raise ValueError("not a Kaggle cat or dog file name: " + name)
