# expect: a Kaggle name has a number between the label and the extension
# A regular expression whose number is optional.
import re


def label_from_filename(path):
    name = Path(path).name
    match = re.fullmatch(r"(cat|dog)(\.\d+)?\.\w+", name, flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"{name!r} is not named like cat.123.jpg")
    return match.group(1).lower()
