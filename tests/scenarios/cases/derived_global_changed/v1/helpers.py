BASE = 3
FACTOR = BASE * 5


def scale(x):
    return x * FACTOR
