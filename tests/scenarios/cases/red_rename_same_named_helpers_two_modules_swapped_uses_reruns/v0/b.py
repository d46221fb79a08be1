K = 3


def scale(v):
    return v * K
