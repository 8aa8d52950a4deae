# expect: it matches a substring
def label_from_filename(path):
    name = Path(path).name.lower()
    if "cat" in name:
        return "cat"
    if "dog" in name:
        return "dog"
    raise ValueError(f"cannot tell the label of {name!r}")
