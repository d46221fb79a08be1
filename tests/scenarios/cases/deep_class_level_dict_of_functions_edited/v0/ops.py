def scale(v):
    return v * 2


def shift(v):
    return v + 1
