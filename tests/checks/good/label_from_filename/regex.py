import re

def label_from_filename(path):
    name = os.path.basename(os.fspath(path))
    match = re.fullmatch(r"(cat|dog)\.\d+\.\w+", name, flags=re.IGNORECASE)
    if match is None:
        raise ValueError(f"{name} is not named like cat.1.jpg or dog.1.jpg")
    return match.group(1).lower()
