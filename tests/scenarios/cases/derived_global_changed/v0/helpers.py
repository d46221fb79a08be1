BASE = 2
FACTOR = BASE * 5


def scale(x):
    return x * FACTOR
