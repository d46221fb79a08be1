def affine(v):
    return v * 2 + 1
