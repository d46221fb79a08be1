def f(v):
    return v + 100
