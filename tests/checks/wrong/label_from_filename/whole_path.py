# expect: look at the file's name only
def label_from_filename(path):
    text = str(path).lower()
    for label in ("cat", "dog"):
        if text.startswith(label) or f"/{label}" in text:
            return label
    raise ValueError(f"cannot tell the label of {text!r}")
