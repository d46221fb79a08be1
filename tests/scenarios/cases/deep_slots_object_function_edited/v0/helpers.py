def normalize(v):
    return v / 2
