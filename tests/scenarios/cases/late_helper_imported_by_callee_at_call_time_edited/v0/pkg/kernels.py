def kernel(v):
    return v * 2
