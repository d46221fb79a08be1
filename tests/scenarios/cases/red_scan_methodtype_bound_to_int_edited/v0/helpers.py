def scale_by(k, v):
    return v * k
