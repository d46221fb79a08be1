def scale(v):
    return v * 4


def shift(v):
    return v + 1
