# expect: accept a str or any os.PathLike
def label_from_filename(path):
    name = path.split("/")[-1]
    label = name.split(".")[0].lower()
    if label not in ("cat", "dog") or name.count(".") < 2:
        raise ValueError(f"cannot tell the label of {name!r}")
    return label
