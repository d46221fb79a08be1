SCALE = 2


def scale(x):
    return x * SCALE
