def scale(x):
    return x * 2 - 1
