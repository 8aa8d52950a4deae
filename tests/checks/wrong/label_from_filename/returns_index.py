# expect: not the str 'cat' or 'dog'
# Thinks in class indices, as ImageFolder does: 0 for cat, 1 for dog.
CLASSES = ["cat", "dog"]

def label_from_filename(path):
    label = Path(path).name.split(".")[0].lower()
    if label not in CLASSES:
        raise ValueError(f"{Path(path).name}: not a cat or a dog")
    return CLASSES.index(label)
