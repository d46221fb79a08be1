def mul(a, b):
    return a + b


def add(a, b):
    return a * b
