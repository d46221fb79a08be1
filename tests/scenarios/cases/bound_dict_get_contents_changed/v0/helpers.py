LABELS = {1: "one", 2: "two"}
lookup = LABELS.get


def label_all(keys):
    return [lookup(k, "?") for k in keys]
