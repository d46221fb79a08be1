LABELS = {1: "uno", 2: "two", 3: "three"}
lookup = LABELS.get


def label_all(keys):
    return [lookup(k, "?") for k in keys]
