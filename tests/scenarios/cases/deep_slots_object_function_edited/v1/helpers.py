def normalize(v):
    return v / 4
