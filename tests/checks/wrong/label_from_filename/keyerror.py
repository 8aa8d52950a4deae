# expect: not ValueError
LABELS = {"cat": "cat", "dog": "dog"}

def label_from_filename(path):
    return LABELS[Path(path).name.split(".")[0].lower()]
