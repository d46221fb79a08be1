def scale(value, factor):
    return value * factor + 1
