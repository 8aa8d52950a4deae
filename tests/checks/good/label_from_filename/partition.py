def label_from_filename(path):
    name = Path(path).name
    head, dot, rest = name.partition(".")
    if head.casefold() == "cat" and "." in rest:
        return "cat"
    if head.casefold() == "dog" and "." in rest:
        return "dog"
    raise ValueError("cannot read a label from " + repr(name))
