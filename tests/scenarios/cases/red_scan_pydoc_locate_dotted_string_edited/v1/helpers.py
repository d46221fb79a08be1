def scale(v):
    return v * 5
