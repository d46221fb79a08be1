def f(v):
    return v * 2
