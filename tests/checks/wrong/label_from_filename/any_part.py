# expect: it reads the name of a folder
# Looks through every part of the path for a label, the folders first.
def label_from_filename(path):
    parts = Path(path).parts
    for part in parts:
        head = part.split(".")[0].lower()
        if head in ("cat", "dog") and (part != parts[-1] or part.count(".") >= 2):
            return head
    raise ValueError(f"no label in {Path(path).name!r}")
