def scale(v):
    return v * 7
