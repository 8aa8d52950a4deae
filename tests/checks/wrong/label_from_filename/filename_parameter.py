# expect: has no parameter 'path'
def label_from_filename(filename):
    name = os.path.basename(os.fspath(filename))
    label = name.split(".")[0].lower()
    if label not in ("cat", "dog") or name.count(".") < 2:
        raise ValueError(f"cannot tell the label of {name}")
    return label
