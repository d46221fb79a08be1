def scale(x, factor=3):
    return x * factor
