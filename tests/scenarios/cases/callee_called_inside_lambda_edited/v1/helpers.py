def bump(v):
    return v + 10
