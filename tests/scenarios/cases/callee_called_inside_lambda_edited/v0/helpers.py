def bump(v):
    return v + 1
