def weight(v):
    total = v * 2
    return total
