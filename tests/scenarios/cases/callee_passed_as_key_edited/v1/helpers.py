def rank(v):
    return -v
