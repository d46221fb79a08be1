FACTOR = 2


def scale(x):
    return x * FACTOR
