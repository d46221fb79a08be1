def combine(a, b):
    return a + b
