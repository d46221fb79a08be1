LABELS = {1: "one", 2: "two"}


def label_all(keys, get=LABELS.get):
    return [get(k) for k in keys]
