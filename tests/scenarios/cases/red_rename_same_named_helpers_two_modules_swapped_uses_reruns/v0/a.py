K = 2


def scale(v):
    return v * K
