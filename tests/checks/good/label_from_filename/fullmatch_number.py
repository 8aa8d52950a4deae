# A regular expression over the file's own name that needs the number.
import re


def label_from_filename(path):
    name = os.path.basename(os.fspath(path))
    match = re.fullmatch(r"(?i)(cat|dog)\.\d+\.[a-z0-9]+", name)
    if match is None:
        raise ValueError(f"not a Kaggle file name: {name!r}")
    return match.group(1).lower()
