SCALE = 1


def scale(x):
    return x * SCALE
