def rank(v):
    return abs(v)
