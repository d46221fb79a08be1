ORDER = ["a", "c", "b"]
position = ORDER.index


def rank(items):
    return [position(item) for item in items]
