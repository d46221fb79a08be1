def scale(v):
    return v * 3
