def smooth(v):
    return v * smooth.alpha


smooth.alpha = 0.5
