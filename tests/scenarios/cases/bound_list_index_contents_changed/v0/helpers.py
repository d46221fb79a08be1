ORDER = ["c", "b", "a"]
position = ORDER.index


def rank(items):
    return [position(item) for item in items]
