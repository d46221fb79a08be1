def scale(x):
    return x * 100


SCALE = 100
