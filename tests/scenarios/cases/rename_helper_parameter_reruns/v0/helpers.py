def scale(v, factor):
    return v * factor + 1
