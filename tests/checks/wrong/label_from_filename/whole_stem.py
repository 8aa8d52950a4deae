# expect: the whole stem
def label_from_filename(path):
    name = Path(path).name
    if not name.lower().startswith(("cat.", "dog.")):
        raise ValueError(f"cannot tell the label of {name!r}")
    return Path(path).stem.lower()
