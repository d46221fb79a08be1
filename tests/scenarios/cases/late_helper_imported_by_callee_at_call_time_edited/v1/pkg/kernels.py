def kernel(v):
    return v * 6
