def l2(v):
    return v * v
